using Mesh.Registry.Consul;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Client.Tests.Registry.Consul;

public sealed class ConsulOutageTests
{
    private static readonly Uri Address = new("http://consul:8500/");

    [Fact]
    public void Success_AfterFailures_LogsTheRealLengthOnce_UnderOneCategory()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger<ConsulRegistry>();
        var outage = new ConsulOutage(Address, time, logger);

        outage.Failure(new ConsulException($"Consul at {Address} is unreachable: Connection refused (consul:8500)"));
        time.Advance(TimeSpan.FromSeconds(2));
        outage.Failure(new ConsulException($"Consul at {Address} is unreachable: Connection refused (consul:8500)"));
        time.Advance(TimeSpan.FromSeconds(3));
        outage.Success();
        outage.Success();

        var records = logger.Collector.GetSnapshot();
        Assert.Equal(
            [
                $"Consul at {Address} is unreachable (Connection refused (consul:8500)); the mesh keeps routing from its last snapshot and retries with backoff",
                $"Consul at {Address} is reachable again after 5.0 s and 2 failed attempts",
            ],
            records.Select(r => r.Message));
        Assert.All(records, r => Assert.Equal(typeof(ConsulRegistry).FullName, r.Category));
    }

    [Fact]
    public void Ended_FiresWhenTheOutageEnds_NotBefore()
    {
        var time = new FakeTimeProvider();
        var outage = new ConsulOutage(Address, time, new FakeLogger());
        var before = outage.Ended;

        var fromFailure = outage.Failure(new ConsulException("Consul answered 500 Internal Server Error to /v1/kv/mesh: No cluster leader"));
        outage.Success();
        Assert.True(before.IsCancellationRequested);
        Assert.True(fromFailure.IsCancellationRequested);
        Assert.False(outage.Ended.IsCancellationRequested);
        Assert.False(outage.IsDown);
    }

    [Fact]
    public async Task Watch_ConsulAnswersAgain_UpIsLoggedAtTheFirstAnswer_NotAtTheNextChange()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        var outage = new ConsulOutage(Address, time, logger);
        var failing = true;
        var queries = new List<ulong>();
        var sawFailure = new TaskCompletionSource();
        await using var watch = new ConsulWatch<string>(
            (index, cancellationToken) =>
            {
                lock (queries)
                {
                    queries.Add(index);
                }

                if (queries.Count == 1)
                {
                    return Task.FromResult(new ConsulResult<string>("a", true, 10));
                }

                if (Volatile.Read(ref failing))
                {
                    sawFailure.TrySetResult();
                    return Task.FromException<ConsulResult<string>>(new ConsulException($"Consul at {Address} is unreachable: Connection refused (consul:8500)"));
                }

                // Nothing changed in Consul: a blocking query with our index would hold for the whole wait time.
                return index == 10 ? BlockAsync(cancellationToken) : Task.FromResult(new ConsulResult<string>("a", true, 10));
            },
            _ => { },
            outage,
            time);

        watch.Start();
        await sawFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!outage.IsDown)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "timed out after 10 s waiting for the watch to record the failure");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        // Consul comes back 5 s after the first failure; the first retry after that is answered.
        Volatile.Write(ref failing, false);
        time.Advance(TimeSpan.FromSeconds(5));
        clock.Restart();
        while (outage.IsDown)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "timed out after 10 s waiting for the watch to see Consul answer");
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        var up = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.Contains("reachable again", StringComparison.Ordinal));
        var seconds = double.Parse(up.Message.Split("after ")[1].Split(" s")[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 5.0, 5.5);
    }

    private static async Task<ConsulResult<string>> BlockAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
