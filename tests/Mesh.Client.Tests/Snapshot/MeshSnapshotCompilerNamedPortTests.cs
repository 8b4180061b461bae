using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Tests;

namespace Mesh.Snapshot.Tests;

/// <summary>Services whose instances name ports (<c>grpc-ratings: 9090</c>), as Kubernetes Services list them.</summary>
public class MeshSnapshotCompilerNamedPortTests
{
    private const string RatingsRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: ratings }
        spec:
          host: ratings
          subsets:
          - name: v1
            labels: { version: v1 }
        """;

    // Two instances with the gRPC port, at their own target ports; a third without it.
    private static readonly ServiceInstance[] Ratings =
    [
        Ratings1("10.0.0.1", 51000, new InstancePort("grpc-ratings", 9090, 51001)),
        Ratings1("10.0.0.2", 52000, new InstancePort("grpc-ratings", 9090, 52001)),
        Ratings1("10.0.0.3", 53000),
    ];

    [Fact]
    public void Compile_NamedPort_ClusterOfTheInstancesThatNameItAtTheirTargetPorts()
    {
        var snapshot = TestMesh.Snapshot([], Ratings);

        Assert.Equal(
            ["outbound|9090||ratings.default.svc.cluster.local", "outbound|||ratings.default.svc.cluster.local"],
            snapshot.Clusters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["10.0.0.1:51000", "10.0.0.2:52000", "10.0.0.3:53000"], snapshot.Clusters["outbound|||ratings.default.svc.cluster.local"].Endpoints.Select(e => e.HostPort));
        Assert.Equal(["10.0.0.1:51001", "10.0.0.2:52001"], snapshot.Clusters["outbound|9090||ratings.default.svc.cluster.local"].Endpoints.Select(e => e.HostPort));
    }

    [Theory]
    [InlineData("http://ratings:9090/", 51001)]
    [InlineData("http://ratings:9080/", 51000)]
    [InlineData("http://ratings/", 51000)]
    public void Route_NoVirtualService_TheRequestsPortDecides(string uri, int expected)
    {
        var table = TestMesh.Compile("", Ratings.Take(1));

        var decision = MeshRouter.Route(table, TestMesh.Request(uri));

        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal(expected, decision.Endpoint!.Port);
    }

    [Theory]
    [InlineData("http://ratings:9090/", "outbound|9090|v1|ratings.default.svc.cluster.local", 51001)]
    [InlineData("http://ratings:9080/", "outbound||v1|ratings.default.svc.cluster.local", 51000)]
    public void Route_DestinationWithoutPort_TheRequestsPortDecidesInTheSubset(string uri, string cluster, int expected)
    {
        var yaml = TestMesh.Yaml(RatingsRule, TestMesh.VirtualService("ratings", "[ratings]", """
            - match: [{ headers: { end-user: { exact: jason } } }]
              route:
              - destination: { host: ratings, subset: v1 }
            """));
        var table = TestMesh.Compile(yaml, Ratings.Take(1));

        var decision = MeshRouter.Route(table, TestMesh.Request(uri, ("end-user", "jason")));

        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal(cluster, decision.Target!.Cluster.Name);
        Assert.Equal(expected, decision.Endpoint!.Port);
    }

    [Theory]
    [InlineData("http://ratings:9080/")]
    [InlineData("http://ratings:9090/")]
    public void Route_DestinationPort_SelectsThePortWhateverTheRequestNames(string uri)
    {
        var yaml = TestMesh.VirtualService("ratings", "[ratings]", """
            - route:
              - destination: { host: ratings, port: { number: 9090 } }
            """);
        var table = TestMesh.Compile(yaml, Ratings.Take(1));

        var decision = MeshRouter.Route(table, TestMesh.Request(uri));

        Assert.Equal("outbound|9090||ratings.default.svc.cluster.local", decision.Target!.Cluster.Name);
        Assert.Equal(51001, decision.Endpoint!.Port);
    }

    [Fact]
    public void Compile_DestinationPortNoInstanceNames_EveryInstanceAtItsMainPort()
    {
        var yaml = TestMesh.VirtualService("ratings", "[ratings]", """
            - route:
              - destination: { host: ratings, port: { number: 9080 } }
            """);

        var snapshot = TestMesh.Snapshot(TestMesh.Parse(yaml), Ratings);

        Assert.Equal(["10.0.0.1:51000", "10.0.0.2:52000", "10.0.0.3:53000"], snapshot.Clusters["outbound|9080||ratings.default.svc.cluster.local"].Endpoints.Select(e => e.HostPort));
    }

    [Fact]
    public void Compile_SameInstances_EqualSnapshots()
    {
        var a = TestMesh.Snapshot([], Ratings);
        var b = TestMesh.Snapshot([], [.. Ratings.Select(i => i with { Ports = i.Ports is null ? null : new ValueList<InstancePort>([.. i.Ports]) })]);
        var moved = TestMesh.Snapshot([], [Ratings[0] with { Ports = new ValueList<InstancePort>([new InstancePort("grpc-ratings", 9090, 51002)]) }, .. Ratings.Skip(1)]);

        Assert.Equal(a, b);
        Assert.NotEqual(a, moved);
    }

    private static ServiceInstance Ratings1(string address, int port, params InstancePort[] ports) =>
        new(ServiceKey.Parse("ratings", "default"), $"{address}:{port}", address, port, new Dictionary<string, string> { ["version"] = "v1" }, Ports: ports.Length == 0 ? null : new ValueList<InstancePort>(ports));
}
