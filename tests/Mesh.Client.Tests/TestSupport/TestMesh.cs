using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.Tests;

/// <summary>Builds real snapshots from YAML and instance lists, as the provider does.</summary>
internal static class TestMesh
{
    /// <summary>The reviews instances of Bookinfo: one per version, on 9080.</summary>
    public static readonly ServiceInstance[] Reviews =
    [
        Instance("reviews", "10.0.0.1", 9080, ("app", "reviews"), ("version", "v1")),
        Instance("reviews", "10.0.0.2", 9080, ("app", "reviews"), ("version", "v2")),
        Instance("reviews", "10.0.0.3", 9080, ("app", "reviews"), ("version", "v3")),
    ];

    /// <summary>The Bookinfo DestinationRule for reviews: subsets v1, v2 and v3 by the version label.</summary>
    public const string ReviewsRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
          - name: v3
            labels:
              version: v3
        """;

    /// <summary>Parses <paramref name="yaml"/> and fails the test on any parse error.</summary>
    public static IReadOnlyList<MeshDocument> Parse(string yaml)
    {
        var result = MeshDocumentParser.Parse(yaml, "test.yaml");
        Assert.Empty(result.Errors);
        return result.Documents;
    }

    public static ServiceInstance Instance(string service, string address, int port = 9080, params (string Key, string Value)[] labels) =>
        new(ServiceKey.Parse(service, "default"), $"{address}:{port}", address, port, labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal));

    public static IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> ByService(IEnumerable<ServiceInstance> instances) =>
        instances.GroupBy(i => i.Service).ToDictionary(g => g.Key, g => (IReadOnlyList<ServiceInstance>)[.. g]);

    /// <summary>Compiles a snapshot and builds the runtime over it, as the provider does; the runtime's connection pools send nowhere.</summary>
    public static RouteTable Compile(string yaml, IEnumerable<ServiceInstance> instances, IMeshRandom? random = null, MeshIdentity? identity = null) =>
        Compile(string.IsNullOrWhiteSpace(yaml) ? [] : Parse(yaml), instances, random, identity);

    public static RouteTable Compile(IReadOnlyList<MeshDocument> documents, IEnumerable<ServiceInstance> instances, IMeshRandom? random = null, MeshIdentity? identity = null) =>
        MeshRuntime.Standalone(Snapshot(documents, instances, identity), random ?? new ScriptedRandom(), transports: new TestTransportFactory(new RecordingHandler()));

    /// <summary>Compiles the config snapshot only (no runtime state).</summary>
    public static MeshSnapshot Snapshot(IReadOnlyList<MeshDocument> documents, IEnumerable<ServiceInstance> instances, MeshIdentity? identity = null, long version = 1) =>
        new MeshSnapshotCompiler(identity ?? MeshIdentity.Anonymous()).Compile(version, documents, ByService(instances));

    /// <summary>A runtime context whose connection pools send to <paramref name="network"/> (by default, a fake answering 200).</summary>
    public static MeshRuntimeContext Context(IMeshRandom? random = null, TimeProvider? time = null, HttpMessageHandler? network = null) =>
        new(MeshIdentity.Anonymous(), time ?? TimeProvider.System, random ?? new ScriptedRandom(), new Transport.MeshTransportPool(new TestTransportFactory(network ?? new RecordingHandler())));

    /// <summary>A VirtualService; <paramref name="http"/> is the YAML list under spec.http, unindented.</summary>
    public static string VirtualService(string name, string hosts, string http) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: {{name}} }
        spec:
          hosts: {{hosts}}
          http:
        {{string.Join('\n', http.Split('\n').Select(line => "  " + line))}}
        """;

    /// <summary>Joins documents with <c>---</c>.</summary>
    public static string Yaml(params string[] documents) => string.Join("\n---\n", documents);

    public static HttpRequestMessage Request(string uri, params (string Name, string Value)[] headers) => Request(HttpMethod.Get, uri, headers);

    public static HttpRequestMessage Request(HttpMethod method, string uri, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
