namespace Mesh.Server.Xds;

/// <summary>The type URLs of the resources Mesh.Server serves, in the order a push sends them (Envoy's make-before-break order: CDS, EDS, LDS, RDS).</summary>
internal static class XdsTypes
{
    public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public const string RouteConfiguration = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public const string ClusterLoadAssignment = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

    public const string HttpConnectionManager = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

    /// <summary>The HTTP filter names istiod's proxyless generator uses.</summary>
    public const string FaultFilter = "envoy.filters.http.fault";
    public const string RouterFilter = "envoy.filters.http.router";

    /// <summary>The transport socket name gRPC clients require for TLS (gRFC A29).</summary>
    public const string TlsTransportSocket = "envoy.transport_sockets.tls";

    /// <summary>The certificate provider instance of the client's bootstrap that holds its certificate and the mesh's roots, as istio-agent names it.</summary>
    public const string CertificateProviderInstance = "default";

    /// <summary>The certificate name istiod asks the <see cref="CertificateProviderInstance"/> for: the workload's own certificate.</summary>
    public const string WorkloadCertificateName = "default";

    /// <summary>The certificate name istiod asks the <see cref="CertificateProviderInstance"/> for: the root certificates.</summary>
    public const string RootCertificateName = "ROOTCA";

    public static IReadOnlyList<string> PushOrder { get; } = [Cluster, ClusterLoadAssignment, Listener, RouteConfiguration];

    public static bool IsKnown(string typeUrl) => typeUrl is Listener or RouteConfiguration or Cluster or ClusterLoadAssignment;

    /// <summary>Gets the short name used in logs and the admin API: LDS, RDS, CDS, EDS.</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Listener => "LDS",
        RouteConfiguration => "RDS",
        Cluster => "CDS",
        ClusterLoadAssignment => "EDS",
        _ => typeUrl,
    };
}
