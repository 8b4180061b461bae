using Microsoft.Extensions.Logging;

namespace Mesh.Registry.Consul;

/// <summary>
/// Whether Consul is reachable, across every watch of a registry and the self-registration, so an
/// outage is logged once (not per retry) under one category, and its end is logged at the first
/// answer with its real length. Its end also wakes everyone waiting out a backoff, so the watches
/// resync and the registration is checked at once, not at their next backoff step.
/// </summary>
internal sealed partial class ConsulOutage(Uri address, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _since;
    private long _failures;
    private CancellationTokenSource _ended = new();

    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _since is not null;
            }
        }
    }

    /// <summary>Gets a token that fires when the current outage, or the next one, ends: a wait that should end then links to it.</summary>
    public CancellationToken Ended
    {
        get
        {
            lock (_gate)
            {
                return _ended.Token;
            }
        }
    }

    /// <summary>Records a failed request; returns a token that fires when Consul next answers anyone (a backoff waits on it).</summary>
    public CancellationToken Failure(Exception exception)
    {
        CancellationToken ended;
        lock (_gate)
        {
            _failures++;
            ended = _ended.Token;
            if (_since is not null)
            {
                return ended;
            }

            _since = time.GetUtcNow();
        }

        Log.Down(logger, address, Reason(exception));
        return ended;
    }

    /// <summary>Records an answer; the first after failures ends the outage.</summary>
    public void Success()
    {
        TimeSpan downFor;
        long failures;
        CancellationTokenSource ended;
        lock (_gate)
        {
            if (_since is not { } since)
            {
                return;
            }

            downFor = time.GetUtcNow() - since;
            failures = _failures;
            ended = _ended;
            _since = null;
            _failures = 0;
            _ended = new CancellationTokenSource();
        }

        Log.Up(logger, address, downFor.TotalSeconds, failures);

        // Not disposed: a waiter may still be linking to its token (a cancelled source holds no timer).
        ended.Cancel();
    }

    /// <summary>The failure without the address the log line already names.</summary>
    internal string Reason(Exception exception)
    {
        var message = exception.Message;
        foreach (var prefix in (string[])[$"Consul at {address} is unreachable: ", $"Consul at {address} "])
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                return message[prefix.Length..];
            }
        }

        return message;
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "Consul at {Address} is unreachable ({Reason}); the mesh keeps routing from its last snapshot and retries with backoff")]
        public static partial void Down(ILogger logger, Uri address, string reason);

        [LoggerMessage(21, LogLevel.Information, "Consul at {Address} is reachable again after {Seconds:0.0} s and {Failures} failed attempts")]
        public static partial void Up(ILogger logger, Uri address, double seconds, long failures);
    }
}
