namespace Mesh.Telemetry;

/// <summary>Istio's <c>connection_security_policy</c> label: <c>mutual_tls</c>, <c>none</c> or <c>unknown</c>.</summary>
internal static class ConnectionSecurity
{
    /// <summary>
    /// The client side's policy: always <c>unknown</c>, as Istio reports it for <c>reporter=source</c> ("set to unknown when
    /// report is from source since security policy cannot be properly populated", Istio's standard metrics reference);
    /// the server side reports the connection's real policy. <paramref name="cluster"/> is kept so the one place that
    /// decides this can read the cluster's TLS if that ever changes.
    /// </summary>
    public static string ForClient(Runtime.ClusterState? cluster)
    {
        _ = cluster;
        return IstioLabels.Unknown;
    }

    /// <summary>The server side's policy: <c>mutual_tls</c> when the connection presented a client certificate, else <c>none</c>.</summary>
    public static string ForServer(bool hasClientCertificate) => hasClientCertificate ? IstioLabels.MutualTls : IstioLabels.NoTls;
}
