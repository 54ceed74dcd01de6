using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.Hosting;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>
/// The C# example of the ASP.NET Core package's README (its first <c>csharp</c> block, a <c>Program.cs</c>), compiled as a
/// program against the assemblies this test runs with, and run in this process.
/// </summary>
internal static class ReadmeExample
{
    /// <summary>The README, copied next to the test assembly by the test project.</summary>
    public static string ReadmePath => Path.Combine(AppContext.BaseDirectory, "AspNetCore", "WebSocketProtocol.AspNetCore.README.md");

    /// <summary>The text of the README's first <c>```csharp</c> block.</summary>
    public static string ExtractCode()
    {
        string readme = File.ReadAllText(ReadmePath).Replace("\r\n", "\n", StringComparison.Ordinal);
        const string Fence = "```csharp\n";
        int start = readme.IndexOf(Fence, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidDataException("The README has no ```csharp block.");
        }

        start += Fence.Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    /// <summary>
    /// Compiles <paramref name="code"/> as a console program with nullable checks on, as a web project would (with the
    /// usings it writes itself), against every assembly of this process's trusted platform list: the runtime, ASP.NET Core
    /// and both WebSocketProtocol packages.
    /// </summary>
    public static (byte[]? Assembly, ImmutableArray<Diagnostic> Diagnostics) Compile(string code, OutputKind kind = OutputKind.ConsoleApplication)
    {
        string[] references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "ReadmeExample",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path: "Program.cs")],
            references.Select(path => MetadataReference.CreateFromFile(path)),
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        ImmutableArray<Diagnostic> diagnostics = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
        return (result.Success ? image.ToArray() : null, diagnostics);
    }

    /// <summary>
    /// Runs the compiled program's entry point with <paramref name="args"/> on a thread of its own, and returns the host it
    /// built once that host has started. The host is caught as the hosting library announces it (the DiagnosticListener
    /// event test hosts use), on the program's own thread, so a host another test builds meanwhile is never taken for it.
    /// </summary>
    public static async Task<RunningExample> StartAsync(byte[] image, string[] args, TimeSpan timeout)
    {
        MethodInfo entryPoint = Assembly.Load(image).EntryPoint ?? throw new InvalidDataException("The example has no entry point.");
        using var capture = new HostCapture();
        using IDisposable subscription = DiagnosticListener.AllListeners.Subscribe(capture);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            capture.ThreadId = Environment.CurrentManagedThreadId;
            try
            {
                entryPoint.Invoke(null, [args]);
                exited.TrySetResult();
            }
            catch (TargetInvocationException exception)
            {
                exited.TrySetException(exception.InnerException ?? exception);
            }
        })
        { IsBackground = true, Name = "README example" };
        thread.Start();

        Task first = await Task.WhenAny(capture.Host, exited.Task).WaitAsync(timeout);
        if (first == exited.Task)
        {
            await exited.Task;
            throw new InvalidOperationException("The example returned without building a host.");
        }

        IHost host = await capture.Host;
        IHostApplicationLifetime lifetime = (IHostApplicationLifetime)host.Services.GetService(typeof(IHostApplicationLifetime))!;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await Task.WhenAny(started.Task, exited.Task).WaitAsync(timeout);
        }

        if (exited.Task.IsCompleted)
        {
            await exited.Task;
            throw new InvalidOperationException("The example stopped before it started listening.");
        }

        return new RunningExample(host, lifetime, exited.Task);
    }

    /// <summary>Takes the <c>HostBuilt</c> event of the hosting library's DiagnosticListener, raised on the program's thread.</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly TaskCompletionSource<IHost> _host = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<IDisposable> _subscriptions = new();

        public int ThreadId { get; set; } = -1;

        public Task<IHost> Host => _host.Task;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host && Environment.CurrentManagedThreadId == ThreadId)
            {
                _host.TrySetResult(host);
            }
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
                _subscriptions.Clear();
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}

/// <summary>The README example while it runs: its host, and the end of its entry point.</summary>
internal sealed class RunningExample(IHost host, IHostApplicationLifetime lifetime, Task exited) : IAsyncDisposable
{
    public IHost Host { get; } = host;

    /// <summary>Asks the app to stop (as Ctrl+C would) and waits for <c>app.Run()</c> to return.</summary>
    public async ValueTask DisposeAsync()
    {
        lifetime.StopApplication();
        await exited.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
