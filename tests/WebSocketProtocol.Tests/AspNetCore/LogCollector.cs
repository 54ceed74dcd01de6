using System;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>Every log entry an app writes, from every category at every level its filters let through.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record Entry(string Category, LogLevel Level, string Message);

    private sealed class Logger(LogCollector collector, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            collector.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception)));
    }
}
