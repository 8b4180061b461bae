using Mesh.Registry.Consul;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Client.Tests.Registry.Consul;

public sealed class ConsulWatchTests
{
    [Theory]
    [InlineData(0ul, 5ul, 5ul)]
    [InlineData(5ul, 9ul, 9ul)]
    [InlineData(9ul, 9ul, 9ul)]
    [InlineData(9ul, 3ul, 0ul)] // went backwards: start over with a full read
    [InlineData(0ul, 0ul, 1ul)] // 0 would not block: use 1
    [InlineData(7ul, 0ul, 0ul)] // backwards to 0: reset
    public void NextIndex_FollowsConsulsRules(ulong previous, ulong returned, ulong expected) =>
        Assert.Equal(expected, ConsulWatch<int>.NextIndex(previous, returned));

    [Fact]
    public void Backoff_GrowsExponentiallyWithJitter_AndIsCapped()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(125), ConsulWatch<int>.Backoff(1, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(250), ConsulWatch<int>.Backoff(1, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(250), ConsulWatch<int>.Backoff(2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), ConsulWatch<int>.Backoff(4, 1));
        Assert.Equal(TimeSpan.FromSeconds(15), ConsulWatch<int>.Backoff(30, 1));
        Assert.Equal(TimeSpan.FromSeconds(7.5), ConsulWatch<int>.Backoff(30, 0));
    }

    [Fact]
    public async Task Watch_ActsOnlyWhenTheIndexChanges_AndBacksOffOnErrors()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var outage = new ConsulOutage(new Uri("http://consul:8500/"), time, logger);
        var answers = new Queue<Func<ConsulResult<string>>>([
            () => new ConsulResult<string>("a", true, 10),
            () => new ConsulResult<string>("a", true, 10), // wait timed out, nothing changed
            () => throw new ConsulException("connection refused"),
            () => throw new ConsulException("connection refused"),
            () => new ConsulResult<string>("b", true, 12),
        ]);
        var indexes = new List<ulong>();
        var seen = new List<string>();
        var done = new TaskCompletionSource();
        await using var watch = new ConsulWatch<string>(
            (index, cancellationToken) =>
            {
                indexes.Add(index);
                if (answers.Count == 0)
                {
                    done.TrySetResult();
                    return BlockAsync(cancellationToken); // block, as a blocking query does, until the watch stops
                }

                try
                {
                    return Task.FromResult(answers.Dequeue()());
                }
                catch (ConsulException ex)
                {
                    return Task.FromException<ConsulResult<string>>(ex);
                }
            },
            r => seen.Add(r.Value),
            outage,
            time);

        watch.Start();
        Assert.True(await watch.FirstAttempt.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        // Two failures wait out their backoff on the fake clock.
        while (!done.Task.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["a", "b"], seen);
        Assert.Equal([0ul, 10ul, 10ul, 0ul, 0ul, 12ul], indexes); // after a failure, a read that does not block
        Assert.Equal(1, logger.Collector.GetSnapshot().Count(r => r.Message.Contains("is unreachable", StringComparison.Ordinal)));
        Assert.Equal(1, logger.Collector.GetSnapshot().Count(r => r.Message.Contains("reachable again", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Start_ManySimultaneousCallers_StartOneLoop()
    {
        // Each first request to a service calls Start; they arrive together on a cold start.
        const int callers = 16;
        var time = new FakeTimeProvider();
        var outage = new ConsulOutage(new Uri("http://consul:8500/"), time, new FakeLogger());
        for (var round = 0; round < 100; round++)
        {
            var queries = 0;
            await using var watch = new ConsulWatch<string>(
                (_, cancellationToken) =>
                {
                    Interlocked.Increment(ref queries);
                    return BlockAsync(cancellationToken);
                },
                _ => { },
                outage,
                time);
            using var barrier = new Barrier(callers);
            var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
            {
                barrier.SignalAndWait();
                watch.Start();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            await WaitForAsync(() => Volatile.Read(ref queries) > 0, "the watch's first query");
            await Task.Delay(20, TestContext.Current.CancellationToken); // room for a second loop to show itself
            Assert.True(queries == 1, $"round {round}: {queries} blocking queries for one watch");
        }
    }

    [Fact]
    public async Task DisposeAsync_BeforeStart_CompletesFirstAttemptWithFalse()
    {
        var time = new FakeTimeProvider();
        var watch = new ConsulWatch<string>((_, ct) => BlockAsync(ct), _ => { }, new ConsulOutage(new Uri("http://consul:8500/"), time, new FakeLogger()), time);
        await watch.DisposeAsync();
        watch.Start();
        Assert.False(await watch.FirstAttempt.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"timed out after 10 s waiting for {what}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<ConsulResult<string>> BlockAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
