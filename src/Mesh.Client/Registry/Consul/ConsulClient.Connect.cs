namespace Mesh.Registry.Consul;

internal sealed partial class ConsulClient
{
    /// <summary>GET /v1/agent/connect/ca/roots, blocking on <paramref name="index"/>: Consul Connect's trust domain and every root it trusts (two during a rotation).</summary>
    public async Task<ConsulResult<ConnectRoots?>> GetConnectRootsAsync(ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var result = await GetAsync(Query("v1/agent/connect/ca/roots", index, wait), ConsulJsonContext.Default.ConnectRoots, index, wait, cancellationToken).ConfigureAwait(false);
        return new ConsulResult<ConnectRoots?>(result.Value, result.Found, result.Index);
    }

    /// <summary>
    /// GET /v1/agent/connect/ca/leaf/:service, blocking on <paramref name="index"/>: the leaf certificate of the service
    /// (with its chain after a root rotation) and its <c>EC PRIVATE KEY</c>. The agent issues it on first request and
    /// renews it before it expires; a blocking call returns early with the renewed one.
    /// </summary>
    public async Task<ConsulResult<ConnectLeaf?>> GetConnectLeafAsync(string service, ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var path = Query($"v1/agent/connect/ca/leaf/{Uri.EscapeDataString(service)}", index, wait);
        var result = await GetAsync(path, ConsulJsonContext.Default.ConnectLeaf, index, wait, cancellationToken).ConfigureAwait(false);
        return new ConsulResult<ConnectLeaf?>(result.Value, result.Found, result.Index);
    }
}
