using Mesh.Configuration;

namespace Mesh.Resilience;

/// <summary>
/// Envoy's circuit breakers for one cluster, as counters: requests in flight (http2MaxRequests),
/// requests waiting for a connection (http1MaxPendingRequests, beyond maxConnections), and
/// retries in flight (maxRetries). Over a limit, the request fails fast instead of queueing.
/// </summary>
internal sealed class ClusterLimits
{
    private int _active;
    private int _retries;
    private Limits _limits;

    public ClusterLimits(ConnectionPoolSettings settings) => _limits = Limits.From(settings);

    public int MaxRequests => Volatile.Read(ref _limits).MaxRequests;

    /// <summary>Gets the most requests that may be in flight or waiting: connections plus pending, when both are limited.</summary>
    public int MaxInFlightOrPending => Volatile.Read(ref _limits).MaxInFlightOrPending;

    public int MaxRetries => Volatile.Read(ref _limits).MaxRetries;

    /// <summary>Applies changed settings in place: the counts of requests and retries in flight carry on under the new limits.</summary>
    public void Update(ConnectionPoolSettings settings) => Volatile.Write(ref _limits, Limits.From(settings));

    public int Active => Volatile.Read(ref _active);

    /// <summary>Admits a request, or names the limit it would break: "max_requests" or "max_pending_requests".</summary>
    public string? TryEnter()
    {
        var limits = Volatile.Read(ref _limits);
        var active = Interlocked.Increment(ref _active);
        if (active <= limits.MaxRequests && active <= limits.MaxInFlightOrPending)
        {
            return null;
        }

        Interlocked.Decrement(ref _active);
        return active > limits.MaxRequests ? "max_requests" : "max_pending_requests";
    }

    public void Exit() => Interlocked.Decrement(ref _active);

    public bool TryEnterRetry()
    {
        if (Interlocked.Increment(ref _retries) <= MaxRetries)
        {
            return true;
        }

        Interlocked.Decrement(ref _retries);
        return false;
    }

    public void ExitRetry() => Interlocked.Decrement(ref _retries);

    private sealed record Limits(int MaxRequests, int MaxInFlightOrPending, int MaxRetries)
    {
        // 0 leaves a limit at its default, none, as Istio's translation applies only values above 0.
        public static Limits From(ConnectionPoolSettings settings) => new(
            settings.Http?.Http2MaxRequests is > 0 and var max ? max : int.MaxValue,
            settings.Tcp?.MaxConnections is > 0 and var connections && settings.Http?.Http1MaxPendingRequests is > 0 and var pending
                ? (int)Math.Min((long)connections + pending, int.MaxValue)
                : int.MaxValue,
            settings.Http?.MaxRetries ?? int.MaxValue);
    }
}
