using System.Globalization;
using Mesh.Configuration;
using Mesh.Registry;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>
/// The mesh of the xDS scale run: services <c>svc-0</c> … <c>svc-(n-1)</c> in namespace default, each with a
/// DestinationRule (subsets v1, v2 by the label <c>version</c>) and a VirtualService splitting 90/10 between them,
/// and the endpoints spread evenly over the services on 10.x.y.z:8080, labelled v1 and v2 in turn.
/// The changes the run makes: a new weight for svc-0's split (RDS), one more v1 endpoint of svc-0 (EDS).
/// </summary>
internal sealed class XdsScaleMesh
{
    public const int Port = 8080;

    private readonly List<MeshDocument> _documents = [];
    private readonly Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> _instances = [];
    private int _addedEndpoints;

    public XdsScaleMesh(int services, int endpoints)
    {
        Services = services;
        for (var s = 0; s < services; s++)
        {
            // One file per service, as a config directory would hold them (a file holds at most 1000 documents).
            var parsed = MeshDocumentParser.Parse(DestinationRule(s) + "---\n" + VirtualService(s, 90), $"svc-{s}.yaml");
            if (parsed.Errors.Count > 0)
            {
                throw new InvalidOperationException(string.Join(Environment.NewLine, parsed.Errors));
            }

            _documents.AddRange(parsed.Documents);
        }
        var perService = new List<ServiceInstance>[services];
        for (var s = 0; s < services; s++)
        {
            perService[s] = [];
        }

        for (var e = 0; e < endpoints; e++)
        {
            var s = e % services;
            perService[s].Add(Instance(s, $"10.{(e >> 16) & 0xff}.{(e >> 8) & 0xff}.{e & 0xff}", perService[s].Count % 2 == 0 ? "v1" : "v2"));
        }

        for (var s = 0; s < services; s++)
        {
            _instances[Key(s)] = perService[s];
        }
    }

    public int Services { get; }

    /// <summary>Gets the v1 endpoints of svc-0 now (what a client's EDS for <c>outbound|8080|v1|svc-0…</c> holds).</summary>
    public int Svc0V1Endpoints => _instances[Key(0)].Count(i => i.Labels["version"] == "v1");

    public static string Target(int service) => $"svc-{service.ToString(CultureInfo.InvariantCulture)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static string RouteName(int service) => $"outbound|{Port}||svc-{service}.default.svc.cluster.local";

    public static string ClusterName(int service, string subset) => $"outbound|{Port}|{subset}|svc-{service}.default.svc.cluster.local";

    public MeshState State() => new([.. _documents], [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>(_instances));

    /// <summary>svc-0's VirtualService with <paramref name="v1Weight"/>% to v1, the rest to v2.</summary>
    public MeshState WithSvc0Weight(int v1Weight)
    {
        var parsed = MeshDocumentParser.Parse(VirtualService(0, v1Weight), "xds-scale-change.yaml");
        var index = _documents.FindIndex(d => d is VirtualService { Metadata.Name: "svc-0" });
        _documents[index] = parsed.Documents.Single();
        return State();
    }

    /// <summary>One more v1 endpoint of svc-0 (an instance registering).</summary>
    public MeshState WithOneMoreSvc0Endpoint()
    {
        var added = ++_addedEndpoints;
        _instances[Key(0)] = [.. _instances[Key(0)], Instance(0, $"10.255.{(added >> 8) & 0xff}.{added & 0xff}", "v1")];
        return State();
    }

    private static ServiceKey Key(int service) => new($"svc-{service.ToString(CultureInfo.InvariantCulture)}", "default");

    private static ServiceInstance Instance(int service, string address, string version) =>
        new(Key(service), $"svc-{service}-{address}", address, Port, new Dictionary<string, string> { ["version"] = version, ["app"] = $"svc-{service}" });

    private static string DestinationRule(int s) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: svc-{s}
          namespace: default
        spec:
          host: svc-{s}
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2

        """;

    private static string VirtualService(int s, int v1Weight) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: svc-{s}
          namespace: default
        spec:
          hosts:
          - svc-{s}
          http:
          - route:
            - destination:
                host: svc-{s}
                subset: v1
              weight: {v1Weight}
            - destination:
                host: svc-{s}
                subset: v2
              weight: {100 - v1Weight}

        """;
}
