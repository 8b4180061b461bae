using Microsoft.Extensions.Logging;

namespace Mesh.Registry.Consul;

/// <summary>Tracks whether Consul is reachable across every watch of a registry, so an outage is logged once, not per retry.</summary>
internal sealed partial class ConsulOutage(Uri address, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _since;
    private long _failures;

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

    public void Failure(Exception exception)
    {
        lock (_gate)
        {
            _failures++;
            if (_since is not null)
            {
                return;
            }

            _since = time.GetUtcNow();
        }

        Log.Down(logger, address, exception.Message);
    }

    public void Success()
    {
        TimeSpan downFor;
        long failures;
        lock (_gate)
        {
            if (_since is not { } since)
            {
                return;
            }

            downFor = time.GetUtcNow() - since;
            failures = _failures;
            _since = null;
            _failures = 0;
        }

        Log.Up(logger, address, downFor.TotalSeconds, failures);
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConsulUnreachable, LogLevel.Warning, "Consul at {Address} is unreachable ({Reason}); the mesh keeps routing from its last snapshot and retries with backoff")]
        public static partial void Down(ILogger logger, Uri address, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulReachableAgain, LogLevel.Information, "Consul at {Address} is reachable again after {Seconds:0.0} s and {Failures} failed attempts")]
        public static partial void Up(ILogger logger, Uri address, double seconds, long failures);
    }
}
