namespace Mesh.Server.Dashboard;

/// <summary>
/// An instance the registry lists, and where its metrics are: <c>Key</c> is unique among instances (the service FQDN
/// and the registry's instance id); <c>Url</c> is <c>http://address:port/metrics</c> on the instance's registered port.
/// </summary>
internal sealed record ScrapeTarget(string Key, string Service, string Id, string Version, string Address, int Port, bool Healthy, Uri Url);
