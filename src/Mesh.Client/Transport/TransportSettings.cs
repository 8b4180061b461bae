namespace Mesh.Transport;

/// <summary>
/// What a cluster asks of its connections, from its DestinationRule's connectionPool. Clusters with
/// equal settings share one connection pool; a cluster that limits connections (maxConnections) gets
/// a pool of its own (<paramref name="Owner"/>), since the limit is the cluster's, as in Envoy.
/// </summary>
/// <param name="ConnectTimeout">tcp.connectTimeout; null for the mesh's default of 10 s.</param>
/// <param name="MaxConnectionsPerServer">tcp.maxConnections shared out over the cluster's endpoints; null for no limit.</param>
/// <param name="IdleTimeout">http.idleTimeout; null for the mesh's default of 1 h.</param>
/// <param name="Owner">The cluster that owns the pool alone, or null when clusters with equal settings share it.</param>
/// <param name="Tls">How connections are secured (DestinationRule tls or auto mTLS), or null for plaintext. Part of the key:
/// a change gets a new pool (the old one drains); a certificate rotation does not (each handshake reads the current one).</param>
internal sealed record TransportSettings(TimeSpan? ConnectTimeout, int? MaxConnectionsPerServer, TimeSpan? IdleTimeout, string? Owner = null, Snapshot.UpstreamTls? Tls = null)
{
    /// <summary>The settings of a cluster whose DestinationRule sets no connection settings.</summary>
    public static readonly TransportSettings Default = new(null, null, null);

    public static TransportSettings For(string cluster, Configuration.ConnectionPoolSettings? pool, int endpointCount, Snapshot.UpstreamTls? tls = null)
    {
        if (pool?.Tcp?.ConnectTimeout is null && pool?.Tcp?.MaxConnections is null && pool?.Http?.IdleTimeout is null)
        {
            return tls is null ? Default : Default with { Tls = tls };
        }

        // Envoy's maxConnections bounds the whole cluster; SocketsHttpHandler bounds each endpoint, so share it out.
        var endpoints = Math.Max(endpointCount, 1);
        int? perServer = pool.Tcp?.MaxConnections is > 0 and var max ? Math.Max(1, (int)(((long)max + endpoints - 1) / endpoints)) : null;
        return new TransportSettings(pool.Tcp?.ConnectTimeout, perServer, pool.Http?.IdleTimeout, perServer is null ? null : cluster, tls);
    }
}
