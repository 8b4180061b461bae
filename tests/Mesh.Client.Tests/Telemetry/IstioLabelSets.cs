namespace Mesh.Telemetry.Tests;

/// <summary>The label sets the tests expect, written out in full: Istio's 25 labels, so a missing or extra one fails.</summary>
internal static class IstioLabelSets
{
    /// <summary>productpage v1 calling reviews (no subset) over plain HTTP, answered 200 with no flags.</summary>
    public static Dictionary<string, object?> Client(params (string Key, string Value)[] overrides)
    {
        var labels = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["reporter"] = "source",
            ["source_workload"] = "productpage-v1",
            ["source_workload_namespace"] = "default",
            ["source_principal"] = "unknown",
            ["source_app"] = "productpage",
            ["source_version"] = "v1",
            ["source_cluster"] = "unknown",
            ["source_canonical_service"] = "productpage",
            ["source_canonical_revision"] = "v1",
            ["destination_workload"] = "reviews",
            ["destination_workload_namespace"] = "default",
            ["destination_principal"] = "unknown",
            ["destination_app"] = "reviews",
            ["destination_version"] = "unknown",
            ["destination_service"] = "reviews.default.svc.cluster.local",
            ["destination_service_name"] = "reviews",
            ["destination_service_namespace"] = "default",
            ["destination_cluster"] = "unknown",
            ["destination_canonical_service"] = "reviews",
            ["destination_canonical_revision"] = "latest",
            ["request_protocol"] = "http",
            ["response_code"] = "200",
            ["grpc_response_status"] = "",
            ["response_flags"] = "-",
            ["connection_security_policy"] = "unknown",
        };
        foreach (var (key, value) in overrides)
        {
            Assert.True(labels.ContainsKey(key), $"'{key}' is not one of Istio's labels");
            labels[key] = value;
        }

        return labels;
    }

    /// <summary>The settings of the calling workload: productpage, app productpage, version v1.</summary>
    public static IReadOnlyDictionary<string, string?> Productpage { get; } = new Dictionary<string, string?>
    {
        ["Mesh:Service"] = "productpage",
        ["Mesh:Labels:app"] = "productpage",
        ["Mesh:Labels:version"] = "v1",
    };

    /// <summary>Asserts that <paramref name="actual"/> holds exactly <paramref name="expected"/>, naming each difference.</summary>
    public static void Equal(IReadOnlyDictionary<string, object?> expected, IReadOnlyDictionary<string, object?> actual)
    {
        var differences = expected.Keys.Union(actual.Keys)
            .Where(k => !expected.TryGetValue(k, out var e) || !actual.TryGetValue(k, out var a) || !Equals(e, a))
            .Select(k => $"{k}: expected '{(expected.TryGetValue(k, out var e) ? e : "(none)")}', got '{(actual.TryGetValue(k, out var a) ? a : "(none)")}'")
            .ToList();
        Assert.True(differences.Count == 0, "labels differ:\n" + string.Join('\n', differences));
    }
}
