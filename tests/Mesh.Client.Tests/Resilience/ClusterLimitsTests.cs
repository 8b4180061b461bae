using Mesh.Configuration;

namespace Mesh.Resilience.Tests;

/// <summary>Envoy's circuit breakers as counters: over a limit a request is refused at once, never queued.</summary>
public class ClusterLimitsTests
{
    [Fact]
    public void TryEnter_Http2MaxRequests_RefusesTheOneOverAndAdmitsAgainAfterAnExit()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = 2 } });

        Assert.Null(limits.TryEnter());
        Assert.Null(limits.TryEnter());
        Assert.Equal("max_requests", limits.TryEnter());
        Assert.Equal(2, limits.Active); // a refused request holds nothing

        limits.Exit();

        Assert.Null(limits.TryEnter());
        Assert.Equal(2, limits.Active);
    }

    [Fact]
    public void TryEnter_MaxConnectionsAndPending_AdmitsConnectionsPlusPending()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings
        {
            Tcp = new TcpSettings { MaxConnections = 2 },
            Http = new HttpSettings { Http1MaxPendingRequests = 1 },
        });

        Assert.Equal(3, limits.MaxInFlightOrPending);
        Assert.Null(limits.TryEnter());
        Assert.Null(limits.TryEnter());
        Assert.Null(limits.TryEnter()); // waits for a connection: pending
        Assert.Equal("max_pending_requests", limits.TryEnter());
    }

    [Fact]
    public void TryEnter_BothLimits_NamesTheOneBroken()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings
        {
            Tcp = new TcpSettings { MaxConnections = 1 },
            Http = new HttpSettings { Http1MaxPendingRequests = 1, Http2MaxRequests = 5 },
        });

        Assert.Null(limits.TryEnter());
        Assert.Null(limits.TryEnter());
        Assert.Equal("max_pending_requests", limits.TryEnter());
    }

    [Theory]
    [InlineData(null, 10)]  // pending alone: Istio's maxConnections is unlimited, so nothing ever waits
    [InlineData(10, null)]  // connections alone: requests queue in the pool (Istio's pending default is 2^32-1)
    public void TryEnter_ConnectionsOrPendingAlone_NoLimit(int? maxConnections, int? pending)
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings
        {
            Tcp = new TcpSettings { MaxConnections = maxConnections },
            Http = new HttpSettings { Http1MaxPendingRequests = pending },
        });

        Assert.Equal(int.MaxValue, limits.MaxInFlightOrPending);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(limits.TryEnter());
        }
    }

    [Fact]
    public void TryEnter_HugeLimits_NoOverflow()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings
        {
            Tcp = new TcpSettings { MaxConnections = int.MaxValue },
            Http = new HttpSettings { Http1MaxPendingRequests = int.MaxValue },
        });

        Assert.Equal(int.MaxValue, limits.MaxInFlightOrPending);
        Assert.Null(limits.TryEnter());
    }

    [Fact]
    public void TryEnterRetry_MaxRetries_BudgetOfRetriesInFlight()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { MaxRetries = 2 } });

        Assert.True(limits.TryEnterRetry());
        Assert.True(limits.TryEnterRetry());
        Assert.False(limits.TryEnterRetry());

        limits.ExitRetry();

        Assert.True(limits.TryEnterRetry());
        Assert.False(limits.TryEnterRetry());
    }

    [Fact]
    public void TryEnterRetry_MaxRetriesZero_NoRetryEver()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { MaxRetries = 0 } });

        Assert.False(limits.TryEnterRetry());
        Assert.False(limits.TryEnterRetry());
    }

    [Fact]
    public void Defaults_NoLimits()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings());

        Assert.Equal((int.MaxValue, int.MaxValue, int.MaxValue), (limits.MaxRequests, limits.MaxInFlightOrPending, limits.MaxRetries));
        Assert.True(limits.TryEnterRetry());
    }

    [Fact]
    public async Task TryEnter_Concurrent_NeverAdmitsMoreThanTheLimit()
    {
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = 8 } });
        var admitted = 0;
        var peak = 0;

        await Parallel.ForAsync(0, 10_000, TestContext.Current.CancellationToken, async (_, _) =>
        {
            if (limits.TryEnter() is null)
            {
                var now = Interlocked.Increment(ref admitted);
                InterlockedMax(ref peak, now);
                await Task.Yield();
                Interlocked.Decrement(ref admitted);
                limits.Exit();
            }
        });

        Assert.InRange(peak, 1, 8);
        Assert.Equal(0, limits.Active);

        static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }
}
