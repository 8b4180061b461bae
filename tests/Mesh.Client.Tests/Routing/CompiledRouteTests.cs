using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Runtime;
using Mesh.Tests;
using Mesh.Snapshot;

namespace Mesh.Routing.Tests;

public class CompiledRouteTests
{
    [Theory]
    [InlineData(0, "v1")]
    [InlineData(49, "v1")]
    [InlineData(50, "v2")]
    [InlineData(79, "v2")]
    [InlineData(80, "v3")]
    [InlineData(99, "v3")]
    [InlineData(100, "v3")] // a roll out of range (a broken random) still picks a target
    [InlineData(-1, "v1")]
    public void ChooseTarget_Roll_FirstTargetWhoseCumulativeWeightIsAbove(int roll, string subset)
    {
        var route = Route((50, "v1"), (0, "unused"), (30, "v2"), (20, "v3"));

        Assert.Equal(subset, route.ChooseTarget(new FixedRandom(roll))?.Cluster.Subset);
    }

    [Fact]
    public void ChooseTarget_AllWeightsZero_Null()
    {
        Assert.Null(Route((0, "v1"), (0, "v2")).ChooseTarget(new FixedRandom(0)));
    }

    [Fact]
    public void ChooseTarget_OneTarget_NoRandomNumber()
    {
        Assert.Equal("v1", Route((100, "v1")).ChooseTarget(new FixedRandom(-99))?.Cluster.Subset);
    }

    private static CompiledRoute Route(params (int Weight, string Subset)[] targets) =>
        new("r", [], [.. targets.Select(t => new RouteTarget(Cluster(t.Subset), t.Weight, null, null))], null, null, null);

    private static ClusterState Cluster(string subset) =>
        new(new ClusterConfig($"outbound||{subset}|reviews.default.svc.cluster.local", ServiceKey.Parse("reviews", "default"), subset, null, new TrafficPolicy(), ValueList<EndpointConfig>.Empty), TestMesh.Context());

    private sealed class FixedRandom(int value) : IMeshRandom
    {
        public int Next(int maxExclusive) => value;
    }
}
