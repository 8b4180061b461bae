namespace Mesh.Telemetry;

/// <summary>Istio's <c>connection_security_policy</c> label: <c>mutual_tls</c>, <c>none</c> or <c>unknown</c>.</summary>
internal static class ConnectionSecurity
{
    /// <summary>
    /// The client side's policy for requests to <paramref name="cluster"/>: the one place that says it. Every transport is
    /// plaintext until mTLS lands, so it is <c>none</c>; when a cluster's transport presents a client certificate
    /// (ISTIO_MUTUAL), return <see cref="IstioLabels.MutualTls"/> for it here.
    /// </summary>
    public static string ForClient(Runtime.ClusterState? cluster)
    {
        _ = cluster;
        return IstioLabels.NoTls;
    }

    /// <summary>The server side's policy: <c>mutual_tls</c> when the connection presented a client certificate, else <c>none</c>.</summary>
    public static string ForServer(bool hasClientCertificate) => hasClientCertificate ? IstioLabels.MutualTls : IstioLabels.NoTls;
}
