using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Resilience;

/// <summary>A cluster's traffic policy, compiled: circuit-breaker limits, outlier detection, its own connection pool.</summary>
internal sealed class ClusterPolicy : IDisposable
{
    private ClusterPolicy(ClusterLimits? limits, OutlierDetector? outlier, HttpMessageInvoker? transport, int? maxRequestsPerConnection)
    {
        Limits = limits;
        Outlier = outlier;
        Transport = transport;
        MaxRequestsPerConnection = maxRequestsPerConnection;
    }

    public ClusterLimits? Limits { get; }

    public OutlierDetector? Outlier { get; }

    /// <summary>Gets the cluster's own connection pool, or null to use the HttpClient's handler.</summary>
    public HttpMessageInvoker? Transport { get; }

    public int? MaxRequestsPerConnection { get; }

    public static ClusterPolicy? Create(TrafficPolicy? policy, MeshEndpoint[] endpoints, TimeProvider time, MeshTransports transports)
    {
        var pool = policy?.ConnectionPool;
        var outlier = policy?.OutlierDetection;
        if (pool is null && outlier is null)
        {
            return null;
        }

        HttpMessageInvoker? transport = null;
        if (pool?.Tcp?.ConnectTimeout is not null || pool?.Tcp?.MaxConnections is not null || pool?.Http?.IdleTimeout is not null)
        {
            // Envoy's maxConnections bounds the whole cluster; SocketsHttpHandler bounds each endpoint, so share it out.
            int? perServer = pool.Tcp?.MaxConnections is { } max ? Math.Max(1, (max + Math.Max(endpoints.Length, 1) - 1) / Math.Max(endpoints.Length, 1)) : null;
            transport = transports.Get(new TransportSettings(pool.Tcp?.ConnectTimeout, perServer, pool.Http?.IdleTimeout));
        }

        return new ClusterPolicy(
            pool is null ? null : new ClusterLimits(pool),
            outlier is null || endpoints.Length == 0 ? null : new OutlierDetector(endpoints, outlier, time),
            transport,
            pool?.Http?.MaxRequestsPerConnection);
    }

    public void Dispose() => Outlier?.Dispose();
}
