using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Snapshot;

namespace Mesh.Routing.Tests;

/// <summary>Compiles the http routes of a VirtualService for host 'reviews' (subsets v1, v2, v3; one instance each) as the runtime does.</summary>
internal static class RouteTables
{
    /// <summary>Compiles the routes; with <paramref name="defaultDestination"/>, a route without one goes to subset v1.</summary>
    public static RouteTable Compile(string httpRoutes, bool defaultDestination = false)
    {
        if (defaultDestination)
        {
            httpRoutes = WithDefaultDestinations(httpRoutes);
        }

        var yaml = $"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: {"{"}version: v1{"}"}
              - name: v2
                labels: {"{"}version: v2{"}"}
              - name: v3
                labels: {"{"}version: v3{"}"}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
            {Indent(httpRoutes, "  ")}
            """;
        var parsed = MeshDocumentParser.Parse(yaml, "routes.yaml");
        if (parsed.Errors.Count > 0)
        {
            throw new MeshConfigException(parsed.Errors);
        }

        var key = ServiceKey.Parse("reviews", "default");
        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>
        {
            [key] = new[] { "v1", "v2", "v3" }.Select((v, i) => new ServiceInstance(key, $"reviews-{v}", "10.0.0.1", 9080 + i, new Dictionary<string, string> { ["version"] = v })).ToArray(),
        };
        return Runtime.MeshRuntime.Standalone(new MeshSnapshotCompiler(MeshIdentity.Anonymous()).Compile(1, parsed.Documents, instances), new SeededMeshRandom(1), transports: new Mesh.Tests.TestTransportFactory(new Mesh.Tests.RecordingHandler()));
    }

    public static ServiceRoutes Reviews(RouteTable snapshot) =>
        snapshot.TryGetService("reviews", out var service) ? service : throw new InvalidOperationException("reviews is not in the snapshot");

    public static HttpRequestMessage Request(string url, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>Adds "route: [destination v1]" to each route (a line starting "- ") that has no route of its own.</summary>
    private static string WithDefaultDestinations(string routes)
    {
        var lines = routes.Replace("\r", "", StringComparison.Ordinal).Split('\n').ToList();
        var starts = lines.Select((line, i) => (line, i)).Where(p => p.line.StartsWith("- ", StringComparison.Ordinal)).Select(p => p.i).Append(lines.Count).ToList();
        for (var k = starts.Count - 2; k >= 0; k--)
        {
            var body = lines.Skip(starts[k]).Take(starts[k + 1] - starts[k]);
            if (!body.Any(line => line.StartsWith("  route:", StringComparison.Ordinal)))
            {
                var insertAt = starts[k + 1];
                while (insertAt > starts[k] + 1 && lines[insertAt - 1].Trim().Length == 0)
                {
                    insertAt--;
                }

                lines.Insert(insertAt, "  route: [{destination: {host: reviews, subset: v1}}]");
            }
        }

        return string.Join('\n', lines);
    }

    private static string Indent(string text, string indent) =>
        string.Join('\n', text.Split('\n').Select(line => line.Length == 0 ? line : indent + line));

    private sealed class SeededMeshRandom(int seed) : IMeshRandom
    {
        private readonly Random _random = new(seed);

        public int Next(int maxExclusive) => _random.Next(maxExclusive);
    }
}
