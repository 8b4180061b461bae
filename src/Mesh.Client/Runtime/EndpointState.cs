namespace Mesh.Runtime;

/// <summary>
/// Per-endpoint state of one cluster that outlives config updates (kept by address:port): the requests in flight, and
/// outlier detection's consecutive-error counters and ejection record.
/// </summary>
internal sealed class EndpointState
{
    private int _activeRequests;
    private int _consecutive5xx;
    private int _consecutiveGateway;
    private int _ejections;
    private long _ejectedUntilTicks;
    private long _requests;

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public int Consecutive5xx => Volatile.Read(ref _consecutive5xx);

    public int ConsecutiveGateway => Volatile.Read(ref _consecutiveGateway);

    /// <summary>Gets how many times this endpoint has been ejected; each ejection lasts base × this.</summary>
    public int Ejections => Volatile.Read(ref _ejections);

    /// <summary>Gets when the current ejection ends (UTC ticks), or 0 when the endpoint is not ejected.</summary>
    public long EjectedUntilTicks => Interlocked.Read(ref _ejectedUntilTicks);

    public bool IsEjected => EjectedUntilTicks != 0;

    public void OnRequestStart() => Interlocked.Increment(ref _activeRequests);

    public void OnRequestEnd() => Interlocked.Decrement(ref _activeRequests);

    /// <summary>Counts requests sent to the endpoint (for maxRequestsPerConnection).</summary>
    public long NextRequestNumber() => Interlocked.Increment(ref _requests);

    /// <summary>Records an attempt's result; returns the consecutive counts after it.</summary>
    public (int FiveXx, int Gateway) Record(bool is5xx, bool isGateway)
    {
        return (Count(ref _consecutive5xx, is5xx), Count(ref _consecutiveGateway, isGateway));

        static int Count(ref int counter, bool failed)
        {
            if (failed)
            {
                return Interlocked.Increment(ref counter);
            }

            Interlocked.Exchange(ref counter, 0);
            return 0;
        }
    }

    /// <summary>Ejects the endpoint until <paramref name="untilTicks"/>; returns false if it already was.</summary>
    public bool TryEject(long untilTicks)
    {
        if (Interlocked.CompareExchange(ref _ejectedUntilTicks, untilTicks, 0) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _ejections);
        Interlocked.Exchange(ref _consecutive5xx, 0);
        Interlocked.Exchange(ref _consecutiveGateway, 0);
        return true;
    }

    public void Return() => Interlocked.Exchange(ref _ejectedUntilTicks, 0);
}
