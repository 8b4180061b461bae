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
    public void TryEnter_ManyCallersHoldingTheirSlots_AdmitsExactlyTheLimitAndRefusesTheRest()
    {
        // 64 threads (8x the limit) start together, and each admitted one holds its slot until all 64
        // have tried, so whatever the interleaving exactly 8 are admitted and 56 refused.
        const int limit = 8;
        const int callers = 64;
        const int rounds = 20;
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = limit } });
        var held = 0;
        var refused = 0;
        var otherReasons = 0;
        var results = new List<(int Held, int Refused, int OtherReasons, int Active)>();
        var activeAfterExit = new List<int>();
        var phase = 0;

        // Phases of a round: 0 all start together, 1 all have tried (the admitted still hold), 2 all have exited.
        using var barrier = new Barrier(callers, _ =>
        {
            switch (phase++ % 3)
            {
                case 1:
                    results.Add((held, refused, otherReasons, limits.Active));
                    (refused, otherReasons) = (0, 0);
                    break;
                case 2:
                    activeAfterExit.Add(limits.Active);
                    break;
            }
        });

        RunThreads(callers, () =>
        {
            for (var round = 0; round < rounds; round++)
            {
                barrier.SignalAndWait();
                var refusal = limits.TryEnter();
                if (refusal is null)
                {
                    Interlocked.Increment(ref held);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                    if (refusal != "max_requests")
                    {
                        Interlocked.Increment(ref otherReasons);
                    }
                }

                barrier.SignalAndWait();
                if (refusal is null)
                {
                    Interlocked.Decrement(ref held);
                    limits.Exit();
                }

                barrier.SignalAndWait();
            }
        });

        Assert.Equal(rounds, results.Count);
        for (var round = 0; round < rounds; round++)
        {
            Assert.Equal((limit, callers - limit, 0, limit), results[round]);
            Assert.Equal(0, activeAfterExit[round]);
        }
    }

    [Fact]
    public void TryEnter_Concurrent_NeverAdmitsMoreThanTheLimit()
    {
        // Seven of eight slots stay held, and one thread per core (at least two) fights for the last one
        // in a tight loop: enter, hold, exit, again. Every core is at the limit's edge all the time, so an
        // admission check that races (read, then increment) soon lets two in at once; a correct one never
        // does, whatever the timing.
        const int limit = 8;
        const int meetings = 4_000_000;
        const int maxAttempts = 100_000_000;
        var contenders = Math.Max(2, Environment.ProcessorCount);
        var limits = new ClusterLimits(new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = limit } });
        for (var i = 0; i < limit - 1; i++)
        {
            Assert.Null(limits.TryEnter());
        }

        var holding = 0;
        var peak = 0;
        var admitted = 0;
        var refused = 0;
        var ready = 0;

        // A refusal means another contender held the slot at that moment: the contenders go on until they
        // have met that often, not for a count of attempts that one thread may finish alone.
        RunThreads(contenders, () =>
        {
            Interlocked.Increment(ref ready);
            while (Volatile.Read(ref ready) < contenders)
            {
                Thread.SpinWait(1);
            }

            for (var i = 0; i < maxAttempts && Volatile.Read(ref refused) < meetings; i++)
            {
                if (limits.TryEnter() is null)
                {
                    InterlockedMax(ref peak, Interlocked.Increment(ref holding));
                    Interlocked.Increment(ref admitted);
                    Interlocked.Decrement(ref holding);
                    limits.Exit();
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });

        // Held, not counted: a refused TryEnter counts itself for an instant before it backs out, so
        // limits.Active may read one over the limit; what must never happen is two holding the slot.
        Assert.True(peak == 1, $"the last slot was held by {peak} requests at once ({limit - 1 + peak} in flight against a limit of {limit})");
        Assert.True(refused >= meetings, $"{admitted} admitted and {refused} refused: the contenders met at the limit fewer than {meetings} times");
        Assert.Equal(limit - 1, limits.Active);

        static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> on that many dedicated threads (not pool tasks, so they truly run at once) and rethrows the first failure.</summary>
    private static void RunThreads(int count, Action body)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, count).Select(_ => new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        })
        { IsBackground = true }).ToList();

        threads.ForEach(t => t.Start());
        var finished = threads.All(t => t.Join(TimeSpan.FromSeconds(60)));
        Assert.Empty(failures); // a thread that failed leaves the others waiting at a barrier: its failure first
        Assert.True(finished, $"{count} threads did not finish within 60 s");
    }
}
