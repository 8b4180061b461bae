using Mesh.Runtime;
using Mesh.Snapshot;
using Mesh.Tests;

namespace Mesh.LoadBalancing.Tests;

public class LeastRequestLoadBalancerTests
{
    [Theory]
    [InlineData(0, 1, "10.0.0.3")] // draws endpoints 0 and 2: 2 is idle
    [InlineData(2, 0, "10.0.0.3")] // draws endpoints 2 and 0: 2 is idle
    [InlineData(0, 0, "10.0.0.2")] // draws endpoints 0 and 1: 1 has fewer requests
    [InlineData(1, 0, "10.0.0.2")] // draws endpoints 1 and 0
    public void Pick_TwoDraws_FewerActiveRequestsWins(int first, int second, string expected)
    {
        var endpoints = TestEndpoints.Create(3);
        Start(endpoints[0], 5);
        Start(endpoints[1], 2);
        var random = new ScriptedRandom(first, second);
        var balancer = new LeastRequestLoadBalancer(random);

        var pick = balancer.Pick(TestEndpoints.Request(), endpoints);

        Assert.Equal(expected, pick.Address);
        Assert.Equal([3, 2], random.Calls); // the second draw is from the other n-1 endpoints
    }

    [Fact]
    public void Pick_EqualActiveRequests_FirstDrawWins()
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new LeastRequestLoadBalancer(new ScriptedRandom(2, 0));

        Assert.Equal("10.0.0.3", balancer.Pick(TestEndpoints.Request(), endpoints).Address);
    }

    [Fact]
    public void Pick_EveryPairOfDraws_IsTwoDistinctEndpoints()
    {
        // Make each endpoint's load its index, so the pick reveals the lower-indexed of the two drawn.
        const int n = 5;
        var endpoints = TestEndpoints.Create(n);
        for (var i = 0; i < n; i++)
        {
            Start(endpoints[i], i);
        }

        var seen = new HashSet<(int, int)>();
        for (var first = 0; first < n; first++)
        {
            for (var second = 0; second < n - 1; second++)
            {
                var balancer = new LeastRequestLoadBalancer(new ScriptedRandom(first, second));
                var pick = Array.IndexOf(endpoints, balancer.Pick(TestEndpoints.Request(), endpoints));
                var other = second >= first ? second + 1 : second;

                Assert.NotEqual(first, other);
                Assert.Equal(Math.Min(first, other), pick);
                seen.Add((first, other));
            }
        }

        Assert.Equal(n * (n - 1), seen.Count); // every ordered pair of distinct endpoints is reachable
    }

    [Fact]
    public void Pick_SingleEndpoint_NoRandomNeeded()
    {
        var endpoints = TestEndpoints.Create(1);
        var random = new ScriptedRandom();
        var balancer = new LeastRequestLoadBalancer(random);

        Assert.Same(endpoints[0], balancer.Pick(TestEndpoints.Request(), endpoints));
        Assert.Empty(random.Calls);
    }

    [Fact]
    public void Pick_RequestEnds_LoadCountsDown()
    {
        var endpoints = TestEndpoints.Create(2);
        var balancer = new LeastRequestLoadBalancer(new ScriptedRandom(0, 0, 0, 0));
        Start(endpoints[0], 1);
        Assert.Equal("10.0.0.2", balancer.Pick(TestEndpoints.Request(), endpoints).Address);

        endpoints[0].State.OnRequestEnd();
        Start(endpoints[1], 1);

        Assert.Equal("10.0.0.1", balancer.Pick(TestEndpoints.Request(), endpoints).Address);
    }

    private static void Start(MeshEndpoint endpoint, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            endpoint.State.OnRequestStart();
        }
    }
}
