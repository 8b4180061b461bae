using Mesh.Configuration;
using Mesh.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Resilience.Tests;

public class RoutePolicyTests
{
    /// <summary>
    /// Envoy's backoff: the Nth retry waits a random share of (2^N - 1) × 25 ms, and never more than
    /// 250 ms. Polly numbers retries from 0; the random draws one number in [0, 1,000,000).
    /// </summary>
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(0, 500_000, 12_500)]       // first retry: half of 25 ms
    [InlineData(0, 999_999, 24_999.975)]   // just under 25 ms
    [InlineData(1, 500_000, 37_500)]       // second: half of 75 ms
    [InlineData(1, 999_999, 74_999.925)]
    [InlineData(2, 500_000, 87_500)]       // third: half of 175 ms
    [InlineData(3, 500_000, 125_000)]      // fourth: 375 ms capped to 250, then half
    [InlineData(3, 999_999, 249_999.75)]
    [InlineData(30, 999_999, 249_999.75)]  // a large attempt number neither overflows nor passes the cap
    [InlineData(int.MaxValue - 1, 999_999, 249_999.75)]
    public void Backoff_ScriptedRandom_ExactDelay(int attemptNumber, int draw, double expectedMicroseconds)
    {
        var random = new ScriptedRandom(draw);

        var delay = RoutePolicy.Backoff(attemptNumber, random);

        Assert.Equal(TimeSpan.FromTicks((long)(expectedMicroseconds * 10)), delay);
        Assert.Equal([1_000_000], random.Calls);
    }

    [Theory]
    [InlineData(0, 25)]
    [InlineData(1, 75)]
    [InlineData(2, 175)]
    [InlineData(3, 250)]
    [InlineData(4, 250)]
    public void Backoff_AnyDraw_WithinZeroAndTheCeiling(int attemptNumber, int ceilingMilliseconds)
    {
        var random = new SeededRandom(42);
        for (var i = 0; i < 1000; i++)
        {
            var delay = RoutePolicy.Backoff(attemptNumber, random);
            Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(ceilingMilliseconds));
        }
    }

    [Fact]
    public void Backoff_EnvoysDefaults_25MsBaseAnd250MsMax()
    {
        Assert.Equal((TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(250)), (RoutePolicy.BackoffBase, RoutePolicy.BackoffMax));
    }

    [Fact]
    public void Create_NoRetriesField_IstioDefault2RetriesAndNoTimeouts()
    {
        var policy = Create("- route:\n  - destination: { host: reviews }");

        Assert.Equal(2, policy.Retries);
        Assert.Same(RetryConditions.IstioDefault, policy.Conditions);
        Assert.Null(policy.Timeout);
        Assert.Null(policy.PerTryTimeout);
        Assert.Null(policy.Fault);
        Assert.NotNull(policy.Pipeline);
    }

    [Fact]
    public void Create_AttemptsZeroAndNoTimeout_NoPipeline()
    {
        var policy = Create("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }");

        Assert.Equal(0, policy.Retries);
        Assert.Null(policy.Pipeline); // a single attempt: nothing to run around it
    }

    [Fact]
    public void Create_TimeoutZero_NoTimeout()
    {
        var policy = Create("- timeout: 0s\n  retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }");

        Assert.Null(policy.Timeout);
        Assert.Null(policy.Pipeline);
    }

    [Fact]
    public void Create_AllFields_Compiled()
    {
        var policy = Create("""
            - timeout: 3s
              retries: { attempts: 4, perTryTimeout: 500ms, retryOn: 'gateway-error,409' }
              route:
              - destination: { host: reviews }
            """);

        Assert.Equal((TimeSpan.FromSeconds(3), 4, TimeSpan.FromMilliseconds(500)), (policy.Timeout, policy.Retries, policy.PerTryTimeout));
        using var conflict = new HttpResponseMessage(System.Net.HttpStatusCode.Conflict);
        Assert.True(policy.Conditions.ShouldRetry(conflict));
        Assert.NotNull(policy.Pipeline);
    }

    [Fact]
    public void Create_RetriesWithoutRetryOn_IstioDefaultConditions()
    {
        var policy = Create("- retries: { attempts: 3, perTryTimeout: 1s }\n  route:\n  - destination: { host: reviews }");

        Assert.Equal(3, policy.Retries);
        Assert.Same(RetryConditions.IstioDefault, policy.Conditions);
    }

    /// <summary>Istio takes any whole number of milliseconds from 1 ms; Polly's static Timeout only 10 ms to 24 h.</summary>
    [Theory]
    [InlineData("1ms", 1)]
    [InlineData("5ms", 5)]
    [InlineData("48h", 48 * 3_600_000L)]
    public async Task Pipeline_TimeoutOutsidePollysStaticRange_FiresAtThatTime(string timeout, long milliseconds)
    {
        var time = new FakeTimeProvider();
        var service = (VirtualService)TestMesh.Parse(TestMesh.VirtualService("reviews", "[reviews]", $"- timeout: {timeout}\n  retries: {{ attempts: 0 }}\n  route:\n  - destination: {{ host: reviews }}")).Single();
        var policy = RoutePolicy.Create(service.Spec.Http[0], time, new ScriptedRandom());

        var call = policy.Pipeline!.ExecuteAsync(
            static async token =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return new HttpResponseMessage();
            },
            TestContext.Current.CancellationToken).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(milliseconds - 1) / 2);
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(milliseconds));

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() => call);
    }

    private static RoutePolicy Create(string http)
    {
        var service = (VirtualService)TestMesh.Parse(TestMesh.VirtualService("reviews", "[reviews]", http)).Single();
        return RoutePolicy.Create(service.Spec.Http[0], new FakeTimeProvider(), new ScriptedRandom());
    }
}
