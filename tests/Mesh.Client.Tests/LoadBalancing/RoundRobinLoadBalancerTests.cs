using Mesh.Tests;

namespace Mesh.LoadBalancing.Tests;

public class RoundRobinLoadBalancerTests
{
    [Fact]
    public void Pick_ThreeEndpoints_CyclesInOrder()
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new RoundRobinLoadBalancer(start: 0);

        var picks = Enumerable.Range(0, 9).Select(_ => balancer.Pick(TestEndpoints.Request(), endpoints).Address);

        Assert.Equal(["10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"], picks);
    }

    [Theory]
    [InlineData(0, "10.0.0.2")]
    [InlineData(1, "10.0.0.3")]
    [InlineData(2, "10.0.0.4")]
    [InlineData(3, "10.0.0.1")]
    public void Pick_StartOffset_DecidesTheFirstEndpoint(int start, string expectedFirst)
    {
        var balancer = new RoundRobinLoadBalancer(start);

        Assert.Equal(expectedFirst, balancer.Pick(TestEndpoints.Request(), TestEndpoints.Create(4)).Address);
    }

    [Fact]
    public void Pick_ManyRounds_EachEndpointExactlyAsOften()
    {
        var endpoints = TestEndpoints.Create(5);
        var balancer = new RoundRobinLoadBalancer(start: 3);

        var counts = Enumerable.Range(0, 5 * 200).Select(_ => balancer.Pick(TestEndpoints.Request(), endpoints).Address).CountBy(a => a);

        Assert.All(counts, c => Assert.Equal(200, c.Value));
        Assert.Equal(5, counts.Count());
    }

    [Fact]
    public void Pick_CounterWrapsPastIntMaxValue_IndexStaysInRange()
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new RoundRobinLoadBalancer(int.MaxValue - 2);

        var picks = Enumerable.Range(0, 6).Select(_ => balancer.Pick(TestEndpoints.Request(), endpoints)).ToList();

        Assert.All(picks, p => Assert.Contains(p, endpoints));
    }

    [Fact]
    public void Pick_ConcurrentCallers_EveryPickCounted()
    {
        var endpoints = TestEndpoints.Create(4);
        var balancer = new RoundRobinLoadBalancer(start: 0);
        var counts = new int[4];

        Parallel.For(0, 4_000, _ =>
        {
            var endpoint = balancer.Pick(TestEndpoints.Request(), endpoints);
            Interlocked.Increment(ref counts[Array.IndexOf(endpoints, endpoint)]);
        });

        Assert.Equal([1_000, 1_000, 1_000, 1_000], counts);
    }
}
