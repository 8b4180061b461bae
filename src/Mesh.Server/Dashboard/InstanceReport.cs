namespace Mesh.Server.Dashboard;

/// <summary>
/// One instance on <c>/api/services</c>: where it is, the registry's health, its last scrape (null error: it answered),
/// the config it runs (version and fingerprint from its <c>mesh_config_version</c>, null when not published) and whether that
/// fingerprint is the server's (<paramref name="ConfigInSync"/>, null when unknown), and the updates it refused.
/// </summary>
internal sealed record InstanceReport(
    string Id,
    string Version,
    string Address,
    int Port,
    bool Healthy,
    DateTimeOffset? ScrapedAt,
    string? ScrapeError,
    long? ConfigVersion,
    string? ConfigHash,
    bool? ConfigInSync,
    long RejectedUpdates);
