using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Packaging;

/// <summary>
/// Runs the .NET SDK's command line as a user would, in a clean environment: no telemetry, banners or update checks,
/// none of the MSBuild variables the test host inherits from <c>dotnet test</c>, and no build servers left running
/// after the command (each command's compiler and MSBuild nodes exit with it).
/// </summary>
internal static class DotnetCommand
{
    /// <summary>The environment every command gets, before the caller's own variables.</summary>
    public static Dictionary<string, string?> CleanEnvironment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
        };

        // The test host runs under MSBuild's environment (MSBuildExtensionsPath, MSBUILD_EXE_PATH, ...), which would steer
        // a nested build; a user's shell has none of it.
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = null;
            }
        }

        return environment;
    }

    /// <summary>
    /// Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="directory"/> to its end and asserts exit code 0;
    /// past <paramref name="timeout"/> the process tree is killed and the test fails with what it printed.
    /// </summary>
    /// <returns>The lines it wrote to standard output.</returns>
    public static async Task<IReadOnlyList<string>> RunAsync(string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        await using ChildProcess process = ChildProcess.StartDotnet(directory, environment, arguments);
        int exitCode = await process.WaitForExitAsync(timeout);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {exitCode}. {process.Describe()}");
        return process.Output;
    }
}
