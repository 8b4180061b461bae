namespace Mesh.Server.Dashboard;

/// <summary>
/// Reads Istio's request metrics and the mesh's own from a parsed exposition (docs/telemetry.md): per edge,
/// <c>istio_requests_total</c> and the <c>istio_request_duration_milliseconds</c> histogram's buckets; and
/// <c>mesh_config_version</c>, <c>mesh_config_updates_total{outcome="rejected"}</c>, <c>mesh_cluster_endpoints</c>.
/// </summary>
internal static class IstioMetricsReader
{
    public const string RequestsTotal = "istio_requests_total";
    public const string DurationBucket = "istio_request_duration_milliseconds_bucket";
    public const string ConfigVersion = "mesh_config_version";
    public const string ConfigUpdates = "mesh_config_updates_total";
    public const string ClusterEndpoints = "mesh_cluster_endpoints";

    /// <summary>Gets whether the dashboard reads samples of metric <paramref name="name"/> (the others are skipped unparsed).</summary>
    public static bool Wanted(string name) => name is RequestsTotal or DurationBucket or ConfigVersion or ConfigUpdates or ClusterEndpoints;

    /// <summary>Parses an exposition and reads it.</summary>
    public static InstanceMetrics Read(string exposition)
    {
        var parsed = PrometheusTextParser.Parse(exposition, Wanted);
        var edges = new Dictionary<EdgeKey, EdgeCounters>();
        long? version = null;
        string? hash = null;
        long rejected = 0;
        var ejected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sample in parsed.Samples)
        {
            if (double.IsNaN(sample.Value) || sample.Value < 0)
            {
                continue;
            }

            switch (sample.Name)
            {
                case RequestsTotal:
                    {
                        var counters = Edge(edges, sample);
                        counters.Requests += sample.Value;
                        if (IsError(sample))
                        {
                            counters.Errors += sample.Value;
                        }

                        if (sample.Label("connection_security_policy") == "mutual_tls")
                        {
                            counters.MutualTls += sample.Value;
                        }

                        break;
                    }

                case DurationBucket when sample.Labels.TryGetValue("le", out var leText) && TryBound(leText, out var le):
                    {
                        var counters = Edge(edges, sample);
                        counters.Buckets[le] = counters.Buckets.GetValueOrDefault(le) + sample.Value;
                        break;
                    }

                case ConfigVersion:
                    version = (long)sample.Value;
                    hash = sample.Labels.GetValueOrDefault("config_hash");
                    break;
                case ConfigUpdates when sample.Label("outcome") == "rejected":
                    rejected += (long)sample.Value;
                    break;
                case ClusterEndpoints when sample.Label("state") == "ejected" && sample.Value > 0:
                    ejected[sample.Label("cluster")] = (long)sample.Value;
                    break;
            }
        }

        return new InstanceMetrics(edges, version, hash, rejected, ejected, parsed.RejectedLines, parsed.FirstError);
    }

    /// <summary>Istio's error: an HTTP status of 500 or more, no response at all (<c>0</c>), or a gRPC status other than OK.</summary>
    private static bool IsError(PrometheusSample sample)
    {
        var grpc = sample.Labels.GetValueOrDefault("grpc_response_status");
        if (!string.IsNullOrEmpty(grpc) && grpc != "unknown")
        {
            return grpc != "0";
        }

        var code = sample.Label("response_code");
        return code == "0" || (code.Length == 3 && code[0] == '5');
    }

    private static bool TryBound(string text, out double le)
    {
        if (text == "+Inf")
        {
            le = double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out le) && le >= 0;
    }

    private static EdgeCounters Edge(Dictionary<EdgeKey, EdgeCounters> edges, PrometheusSample sample)
    {
        var key = new EdgeKey(
            sample.Label("reporter"),
            sample.Label("source_app"),
            sample.Label("source_version"),
            sample.Label("destination_service_name"),
            sample.Label("destination_version"));
        if (!edges.TryGetValue(key, out var counters))
        {
            counters = edges[key] = new EdgeCounters();
        }

        return counters;
    }
}
