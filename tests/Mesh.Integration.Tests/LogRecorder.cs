using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mesh.Integration.Tests;

/// <summary>Keeps every log line of a host, with the time since the recorder was made, so a test can read what the mesh said and when.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ConcurrentQueue<(TimeSpan At, string Category, string Message)> Lines { get; } = new();

    public IEnumerable<string> Matching(string text) => Lines.Where(l => l.Message.Contains(text, StringComparison.Ordinal)).Select(l => l.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && category.StartsWith("Mesh", StringComparison.Ordinal))
            {
                recorder.Lines.Enqueue((recorder._clock.Elapsed, category, formatter(state, exception)));
            }
        }
    }
}
