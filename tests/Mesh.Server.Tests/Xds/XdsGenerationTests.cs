using Envoy.Config.Endpoint.V3;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Server.Xds;
using Mesh.Snapshot;

namespace Mesh.Server.Tests.Xds;

/// <summary>What a change costs: callers share compiled views when compilation cannot tell them apart, and a new state reuses the resources it did not change.</summary>
public sealed class XdsGenerationTests
{
    private const string Rules = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: a
        spec:
          host: a
          subsets:
          - name: v1
            labels:
              version: v1
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: a
        spec:
          hosts:
          - a
          http:
          - route:
            - destination:
                host: a
                subset: v1
        """;

    private static readonly MeshIdentity Server = MeshIdentity.Anonymous();

    [Fact]
    public void ViewFor_CallersWithDifferentLabels_ShareOneViewUnlessSourceLabelsNamesTheirKey()
    {
        var plain = Generation(1, Rules, Instances(a: 2, b: 2));
        var alice = Caller("client-a", "v1");
        var bob = Caller("client-b", "v2");

        Assert.Same(plain.ViewFor(alice), plain.ViewFor(bob));
        Assert.Same(plain.Default, plain.ViewFor(alice));

        var bySource = Generation(1, Rules.Replace("  - route:", "  - match:\n    - sourceLabels:\n        app: client-a\n    route:", StringComparison.Ordinal), Instances(a: 2, b: 2));
        Assert.NotSame(bySource.ViewFor(alice), bySource.ViewFor(bob));
        Assert.Same(bySource.ViewFor(bob), bySource.ViewFor(Caller("client-b", "v9"))); // only the label sourceLabels names counts
        Assert.Single(bySource.ViewFor(alice).Snapshot.VirtualHosts[new ServiceKey("a", "default")].Routes);
        Assert.Empty(bySource.ViewFor(bob).Snapshot.VirtualHosts[new ServiceKey("a", "default")].Routes);
    }

    [Fact]
    public void Get_AfterAnEndpointChangeOfOneService_ReusesEverythingElse_TranslatesOnlyThatAssignment()
    {
        var first = Generation(1, Rules, Instances(a: 2, b: 2));
        var names = Subscribe(first.Default);
        var second = Generation(2, Rules, Instances(a: 3, b: 2), first);

        foreach (var (type, name) in names)
        {
            var before = first.Default.Get(type, name);
            var after = second.Default.Get(type, name);
            if (type == XdsTypes.ClusterLoadAssignment && name.EndsWith("|a.default.svc.cluster.local", StringComparison.Ordinal))
            {
                Assert.NotSame(before, after);
                Assert.Equal(3, after!.Resource.Unpack<ClusterLoadAssignment>().Endpoints[0].LbEndpoints.Count);
            }
            else
            {
                Assert.Same(before, after); // the same bytes and hash, not translated again
            }
        }
    }

    [Fact]
    public void Get_AfterARouteChange_TranslatesThatRouteConfiguration_AndGivesTheSameBytesAsAFreshTranslation()
    {
        var first = Generation(1, Rules, Instances(a: 2, b: 2));
        _ = Subscribe(first.Default);
        const string changed = Rules + "\n    timeout: 2s";
        var second = Generation(2, changed, Instances(a: 2, b: 2), first);
        var fresh = Generation(2, changed, Instances(a: 2, b: 2));

        const string route = "outbound|80||a.default.svc.cluster.local";
        Assert.NotSame(first.Default.Get(XdsTypes.RouteConfiguration, route), second.Default.Get(XdsTypes.RouteConfiguration, route));
        foreach (var (type, name) in Subscribe(fresh.Default))
        {
            Assert.Equal(fresh.Default.Get(type, name)?.Hash, second.Default.Get(type, name)?.Hash);
        }
    }

    private static (string Type, string Name)[] Subscribe(XdsView view)
    {
        (string, string)[] names =
        [
            (XdsTypes.Listener, "a:80"), (XdsTypes.Listener, "b:80"),
            (XdsTypes.RouteConfiguration, "outbound|80||a.default.svc.cluster.local"), (XdsTypes.RouteConfiguration, "outbound|80||b.default.svc.cluster.local"),
            (XdsTypes.Cluster, "outbound|80|v1|a.default.svc.cluster.local"), (XdsTypes.Cluster, "outbound|80||b.default.svc.cluster.local"),
            (XdsTypes.ClusterLoadAssignment, "outbound|80|v1|a.default.svc.cluster.local"), (XdsTypes.ClusterLoadAssignment, "outbound|80||b.default.svc.cluster.local"),
        ];
        foreach (var (type, name) in names)
        {
            Assert.NotNull(view.Get(type, name));
        }

        return names;
    }

    private static MeshIdentity Caller(string app, string version) =>
        new(app, "default", new Dictionary<string, string> { ["app"] = app, ["version"] = version }, "10.0.0.9");

    private static Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> Instances(int a, int b)
    {
        static ServiceInstance[] Of(string service, int count) =>
            [.. Enumerable.Range(1, count).Select(i => new ServiceInstance(new ServiceKey(service, "default"), $"{service}-{i}", $"10.0.{(service == "a" ? 1 : 2)}.{i}", 8080, new Dictionary<string, string> { ["version"] = "v1" }))];
        return new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> { [new ServiceKey("a", "default")] = Of("a", a), [new ServiceKey("b", "default")] = Of("b", b) };
    }

    private static XdsGeneration Generation(long number, string yaml, Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances, XdsGeneration? previous = null)
    {
        var parsed = MeshDocumentParser.Parse(yaml, "test.yaml");
        Assert.Empty(parsed.Errors);
        var generation = new XdsGeneration(number, new MeshState(parsed.Documents, [], instances), new Dictionary<string, IReadOnlyList<string>>(), Server, previous, (_, e) => throw e, _ => { });
        generation.CompileDefault();
        return generation;
    }
}
