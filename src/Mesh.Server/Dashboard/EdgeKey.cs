namespace Mesh.Server.Dashboard;

/// <summary>
/// The labels of <c>istio_requests_total</c> an edge of the graph is keyed by, as Kiali keys them:
/// <paramref name="Reporter"/> (<c>source</c> or <c>destination</c>), the caller's app and version, the destination
/// service's short name and the destination version (the subset from the source, the version label from the destination).
/// </summary>
internal readonly record struct EdgeKey(string Reporter, string SourceApp, string SourceVersion, string DestinationService, string DestinationVersion);
