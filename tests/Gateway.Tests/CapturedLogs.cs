using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Handoff.Gateway.Tests;

/// <summary>Every line a host logs, for tests of what an operator reads in the logs.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public sealed record Line(LogLevel Level, string Category, string Message);

    private readonly ConcurrentQueue<Line> lines = new();

    public IReadOnlyList<Line> Lines => lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(logLevel, category, formatter(state, exception)));
    }
}
