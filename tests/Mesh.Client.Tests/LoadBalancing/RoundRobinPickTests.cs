using Mesh.Runtime;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Snapshot;

namespace Mesh.LoadBalancing.Tests;

/// <summary>The precomputed modulus of <see cref="RoundRobinLoadBalancer"/> picks what a plain '%' picks.</summary>
public class RoundRobinPickTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 0)]
    [InlineData(7, 5)]
    [InlineData(9, int.MaxValue - 20)] // wraps past int.MaxValue
    [InlineData(64, 123)]
    [InlineData(1000, int.MaxValue - 500)]
    public void Pick_WithPrecomputedCount_SameSequenceAsModulo(int count, int start)
    {
        var endpoints = Endpoints(count);
        var fast = new RoundRobinLoadBalancer(start, count);
        var plain = new RoundRobinLoadBalancer(start);
        using var request = new HttpRequestMessage();

        for (var i = 0; i < 3 * count + 50; i++)
        {
            Assert.Same(plain.Pick(request, endpoints), fast.Pick(request, endpoints));
        }
    }

    [Fact]
    public void Pick_EndpointCountOtherThanPrecomputed_StillInTurn()
    {
        var endpoints = Endpoints(4);
        var balancer = new RoundRobinLoadBalancer(0, endpointCount: 3);
        using var request = new HttpRequestMessage();

        var picks = Enumerable.Range(0, 8).Select(_ => balancer.Pick(request, endpoints).Port).ToArray();

        Assert.Equal([9081, 9082, 9083, 9080, 9081, 9082, 9083, 9080], picks);
    }

    private static MeshEndpoint[] Endpoints(int count)
    {
        var key = ServiceKey.Parse("reviews", "default");
        return [.. Enumerable.Range(0, count).Select(i => new MeshEndpoint(new EndpointConfig($"r{i}", "10.0.0.1", 9080 + i, EndpointHealth.Healthy)))];
    }
}
