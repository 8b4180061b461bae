using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Tests;

namespace Mesh.Snapshot.Tests;

public class MeshSnapshotCompilerTests
{
    [Fact]
    public void Compile_VirtualServiceBoundToGatewaysOnly_DoesNotRouteMeshTrafficAndSaysSo()
    {
        var yaml = TestMesh.Yaml(
            TestMesh.ReviewsRule,
            TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v3 }")
                .Replace("  hosts:", "  gateways: [bookinfo-gateway]\n  hosts:", StringComparison.Ordinal));

        var snapshot = TestMesh.Snapshot(TestMesh.Parse(yaml), TestMesh.Reviews);

        Assert.Null(Assert.Single(snapshot.VirtualHosts).Value.VirtualService); // reviews keeps the default route
        Assert.Contains("bound to gateways [bookinfo-gateway] without 'mesh', so it does not apply to mesh traffic", Assert.Single(snapshot.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_MatchBlockForAGatewayOnly_DroppedForMeshTraffic()
    {
        var yaml = TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", """
            - match: [{ gateways: [bookinfo-gateway], uri: { prefix: / } }]
              route:
              - destination: { host: reviews, subset: v3 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """).Replace("  hosts:", "  gateways: [mesh, bookinfo-gateway]\n  hosts:", StringComparison.Ordinal));

        var routes = TestMesh.Snapshot(TestMesh.Parse(yaml), TestMesh.Reviews).VirtualHosts.Single().Value.Routes;

        Assert.Equal(["reviews.http[1]"], routes.Select(r => r.Name));
    }

    [Fact]
    public void Compile_InvalidDocuments_ThrowsWithEveryError()
    {
        var documents = TestMesh.Parse(TestMesh.VirtualService("reviews", "[]", "- route:\n  - destination: { host: reviews, subset: v1 }"));

        var ex = Assert.Throws<MeshConfigException>(() => TestMesh.Compile(documents, TestMesh.Reviews));

        Assert.Equal(["spec.hosts", "spec.http[0].route[0].destination.subset"], ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Compile_ClusterNames_AsIstioNamesThem()
    {
        var snapshot = TestMesh.Compile(
            TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", """
                - route:
                  - destination: { host: reviews, subset: v1, port: { number: 9080 } }
                    weight: 50
                  - destination: { host: reviews, subset: v2 }
                    weight: 50
                """)),
            [.. TestMesh.Reviews, TestMesh.Instance("ratings", "10.0.1.1", 9081)]);

        Assert.Equal(
            [
                "outbound|9080|v1|reviews.default.svc.cluster.local",
                "outbound||v2|reviews.default.svc.cluster.local",
                "outbound|||ratings.default.svc.cluster.local",
            ],
            snapshot.Clusters.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compile_DestinationRuleWithoutInstances_HostKnownButNoHealthyUpstream()
    {
        var snapshot = TestMesh.Compile(TestMesh.ReviewsRule, []);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/"));

        Assert.Equal(RouteOutcome.NoHealthyUpstream, decision.Outcome);
    }

    [Fact]
    public void Compile_DocumentInOtherNamespace_ShortHostsResolveThere()
    {
        var yaml = TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }")
            .Replace("name: reviews }", "name: reviews, namespace: bookinfo }", StringComparison.Ordinal);
        ServiceInstance[] instances =
        [
            TestMesh.Instance("reviews", "10.0.0.1", 9080),
            TestMesh.Instance("reviews", "10.0.9.1", 9080) with { Service = new ServiceKey("reviews", "bookinfo") },
        ];

        var snapshot = TestMesh.Compile(yaml, instances);

        Assert.Equal("10.0.0.1", MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/")).Endpoint?.Address);
        Assert.Equal("10.0.9.1", MeshRouter.Route(snapshot, TestMesh.Request("http://reviews.bookinfo:9080/")).Endpoint?.Address);
        Assert.NotNull(MeshRouter.Route(snapshot, TestMesh.Request("http://reviews.bookinfo:9080/")).Service?.VirtualService);
        Assert.Null(MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/")).Service?.VirtualService);
    }

    [Theory]
    [InlineData("[\"*\"]", "default", true)]
    [InlineData("[\".\"]", "default", true)]
    [InlineData("[\".\"]", "staging", false)]
    [InlineData("[default]", "staging", true)]
    [InlineData("[other]", "default", false)]
    public void Compile_ExportTo_DecidesWhetherTheCallerSeesTheDocument(string exportTo, string documentNamespace, bool visible)
    {
        // The VirtualService sends everything to v2; without it, the default route round-robins from v2 too,
        // so a v3-only destination tells the two apart.
        var yaml = TestMesh.Yaml(
            TestMesh.ReviewsRule,
            TestMesh.VirtualService("reviews-route", "[reviews.default.svc.cluster.local]", "- route:\n  - destination: { host: reviews.default.svc.cluster.local, subset: v3 }")
                .Replace("name: reviews-route }", $"name: reviews-route, namespace: {documentNamespace} }}", StringComparison.Ordinal)
                .Replace("  http:", $"  exportTo: {exportTo}\n  http:", StringComparison.Ordinal));
        var snapshot = TestMesh.Compile(yaml, TestMesh.Reviews);

        var decision = MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/"));

        Assert.Equal(visible, decision.Service?.VirtualService is not null);
        Assert.Equal(visible ? "10.0.0.3" : "10.0.0.2", decision.Endpoint?.Address);
    }

    [Fact]
    public void Compile_IPv6Instance_HostPortBracketed()
    {
        var snapshot = TestMesh.Compile("", [TestMesh.Instance("reviews", "fd00::1", 9080)]);

        var endpoint = MeshRouter.Route(snapshot, TestMesh.Request("http://reviews:9080/")).Endpoint;

        Assert.Equal("[fd00::1]:9080", endpoint?.HostPort);
    }
}
