using Mesh.Tests;

namespace Mesh.LoadBalancing.Tests;

public class RandomLoadBalancerTests
{
    [Fact]
    public void Pick_UsesTheInjectedRandom()
    {
        var endpoints = TestEndpoints.Create(4);
        var random = new ScriptedRandom(2, 0, 3, 3, 1);
        var balancer = new RandomLoadBalancer(random);

        var picks = Enumerable.Range(0, 5).Select(_ => balancer.Pick(TestEndpoints.Request(), endpoints).Address);

        Assert.Equal(["10.0.0.3", "10.0.0.1", "10.0.0.4", "10.0.0.4", "10.0.0.2"], picks);
        Assert.Equal([4, 4, 4, 4, 4], random.Calls);
        Assert.Equal(LoadBalancingPolicies.Random, balancer.Name);
    }

    [Fact]
    public void Pick_SeededRandom_SpreadsEvenlyWithinFivePercent()
    {
        // Statistical: seed 7, 8,000 picks over 4 endpoints; each must get 25% ± 5% (1,600 to 2,400).
        var endpoints = TestEndpoints.Create(4);
        var balancer = new RandomLoadBalancer(new SeededRandom(7));

        var counts = Enumerable.Range(0, 8_000).Select(_ => balancer.Pick(TestEndpoints.Request(), endpoints).Address).CountBy(a => a).ToList();

        Assert.Equal(4, counts.Count);
        Assert.All(counts, c => Assert.InRange(c.Value, 1_600, 2_400));
    }
}
