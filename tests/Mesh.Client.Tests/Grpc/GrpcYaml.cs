namespace Mesh.Grpc.Tests;

/// <summary>Config documents for the gRPC tests: reviews with subsets v1, v2 (and v3, which no instance has).</summary>
internal static class GrpcYaml
{
    public const string ReviewsV1 = "outbound||v1|reviews.default.svc.cluster.local";
    public const string ReviewsV2 = "outbound||v2|reviews.default.svc.cluster.local";
    public const string ReviewsAll = "outbound|||reviews.default.svc.cluster.local";

    /// <summary>A DestinationRule for reviews with subsets v1, v2 and v3, and <paramref name="trafficPolicy"/> (YAML flow map body) when given.</summary>
    public static string Rule(string? trafficPolicy = null) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          {{(trafficPolicy is null ? "" : $"trafficPolicy: {{ {trafficPolicy} }}")}}
          subsets:
          - { name: v1, labels: { version: v1 } }
          - { name: v2, labels: { version: v2 } }
          - { name: v3, labels: { version: v3 } }
        """;

    /// <summary>A VirtualService for reviews; <paramref name="http"/> is the YAML list under spec.http, unindented.</summary>
    public static string Routes(string http) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews }
        spec:
          hosts: [reviews]
          http:
        {{string.Join('\n', http.Split('\n').Select(line => "  " + line))}}
        """;

    /// <summary>Every call to <paramref name="subset"/>, with <paramref name="extra"/> (YAML lines of the route) when given.</summary>
    public static string AllTo(string subset, string extra = "") =>
        Routes($"- route:\n  - destination: {{ host: reviews, subset: {subset} }}{(extra.Length > 0 ? "\n  " + extra.Replace("\n", "\n  ", StringComparison.Ordinal) : "")}");

    public static string Yaml(params string[] documents) => string.Join("\n---\n", documents);
}
