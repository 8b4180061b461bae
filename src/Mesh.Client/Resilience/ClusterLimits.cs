using Mesh.Configuration;

namespace Mesh.Resilience;

/// <summary>
/// Envoy's circuit breakers for one cluster, as counters: requests in flight (http2MaxRequests),
/// requests waiting for a connection (http1MaxPendingRequests, beyond maxConnections), and
/// retries in flight (maxRetries). Over a limit, the request fails fast instead of queueing.
/// </summary>
internal sealed class ClusterLimits(ConnectionPoolSettings settings)
{
    private int _active;
    private int _retries;

    public int MaxRequests { get; } = settings.Http?.Http2MaxRequests ?? int.MaxValue;

    /// <summary>Gets the most requests that may be in flight or waiting: connections plus pending, when both are limited.</summary>
    public int MaxInFlightOrPending { get; } = settings.Tcp?.MaxConnections is { } connections && settings.Http?.Http1MaxPendingRequests is { } pending
        ? (int)Math.Min((long)connections + pending, int.MaxValue)
        : int.MaxValue;

    public int MaxRetries { get; } = settings.Http?.MaxRetries ?? int.MaxValue;

    public int Active => Volatile.Read(ref _active);

    /// <summary>Admits a request, or names the limit it would break: "max_requests" or "max_pending_requests".</summary>
    public string? TryEnter()
    {
        var active = Interlocked.Increment(ref _active);
        if (active <= MaxRequests && active <= MaxInFlightOrPending)
        {
            return null;
        }

        Interlocked.Decrement(ref _active);
        return active > MaxRequests ? "max_requests" : "max_pending_requests";
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
}
