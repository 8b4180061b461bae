using Microsoft.Extensions.Logging;

namespace Mesh.Registry.Consul;

/// <summary>
/// Whether Consul is reachable, across every watch of a registry, so an outage is logged once (not
/// per retry) under one category, and its end is logged at the first answer with its real length.
/// While it lasts, one probe reads from Consul every second, so its end is seen within a second
/// whatever the watches' backoff. Its end wakes everyone
/// waiting out a backoff: the watches resync and the registration is checked at once.
/// </summary>
internal sealed partial class ConsulOutage(Uri address, TimeProvider time, ILogger logger, Func<CancellationToken, Task<bool>>? probe = null) : IDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
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
        if (probe is not null && !_stop.IsCancellationRequested)
        {
            _ = Task.Run(() => ProbeAsync(probe, ended));
        }

        return ended;
    }

    private async Task ProbeAsync(Func<CancellationToken, Task<bool>> answers, CancellationToken ended)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ended, _stop.Token);
        while (true)
        {
            try
            {
                await Task.Delay(ProbeInterval, time, done.Token).ConfigureAwait(false);
                if (await answers(done.Token).ConfigureAwait(false))
                {
                    Success();
                    return;
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed probe is the outage going on: ask again next second
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>Stops the probe.</summary>
    public void Dispose() => _stop.Cancel();

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
        // "An error occurred while sending the request." says nothing; its innermost cause ("Connection reset by peer") does.
        var message = exception is ConsulException { InnerException: HttpRequestException { InnerException: { } cause } } && !exception.Message.StartsWith("not a Consul agent", StringComparison.Ordinal)
            ? cause.GetBaseException().Message
            : exception.Message;
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
        [LoggerMessage(Telemetry.MeshEventIds.ConsulUnreachable, LogLevel.Warning, "Consul at {Address} is unreachable ({Reason}); the mesh keeps routing from its last snapshot and retries with backoff")]
        public static partial void Down(ILogger logger, Uri address, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulReachableAgain, LogLevel.Information, "Consul at {Address} is reachable again after {Seconds:0.0} s and {Failures} failed attempts")]
        public static partial void Up(ILogger logger, Uri address, double seconds, long failures);
    }
}
