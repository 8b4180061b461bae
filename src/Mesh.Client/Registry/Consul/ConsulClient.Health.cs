namespace Mesh.Registry.Consul;

internal sealed partial class ConsulClient
{
    /// <summary>GET /v1/health/service/:name, blocking on <paramref name="index"/>; only instances whose checks pass when <paramref name="passingOnly"/>.</summary>
    public async Task<ConsulResult<ServiceEntry[]>> GetHealthServiceAsync(string service, bool passingOnly, ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var path = Query($"v1/health/service/{Uri.EscapeDataString(service)}", index, wait, ("passing", passingOnly ? "" : null));
        var result = await GetAsync(path, ConsulJsonContext.Default.ServiceEntryArray, index, wait, cancellationToken).ConfigureAwait(false);
        return new ConsulResult<ServiceEntry[]>(result.Value ?? [], result.Found, result.Index);
    }

    /// <summary>GET /v1/catalog/services, blocking on <paramref name="index"/>: every service name with its tags.</summary>
    public async Task<ConsulResult<Dictionary<string, string[]>>> GetCatalogServicesAsync(ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var result = await GetAsync(Query("v1/catalog/services", index, wait), ConsulJsonContext.Default.DictionaryStringStringArray, index, wait, cancellationToken).ConfigureAwait(false);
        return new ConsulResult<Dictionary<string, string[]>>(result.Value ?? [], result.Found, result.Index);
    }
}
