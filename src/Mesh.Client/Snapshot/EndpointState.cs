namespace Mesh.Snapshot;

/// <summary>Per-endpoint counters that outlive snapshots (kept by address), such as the requests in flight.</summary>
internal sealed class EndpointState
{
    private int _activeRequests;

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public void OnRequestStart() => Interlocked.Increment(ref _activeRequests);

    public void OnRequestEnd() => Interlocked.Decrement(ref _activeRequests);
}
