namespace Mesh.Server.Dashboard;

/// <summary>
/// What one scrape of an instance's <c>/metrics</c> says: its edges' cumulative counters, the config it runs
/// (<c>mesh_config_version</c>: version and hash, null when the instance does not publish it), the updates it refused,
/// and the endpoints its clusters hold ejected now (<c>mesh_cluster_endpoints{state="ejected"}</c>, by cluster).
/// </summary>
internal sealed record InstanceMetrics(
    IReadOnlyDictionary<EdgeKey, EdgeCounters> Edges,
    long? ConfigVersion,
    string? ConfigHash,
    long RejectedUpdates,
    IReadOnlyDictionary<string, long> Ejected,
    int RejectedLines,
    string? FirstError);
