namespace Mesh.Registry.Xds;

/// <summary>The resource types the xDS registry subscribes to, in the order of the chain a call waits for (LDS, RDS, CDS, EDS), and the extensions it reads.</summary>
internal static class XdsTypeUrls
{
    public const string Prefix = "type.googleapis.com/";
    public const string Listener = Prefix + "envoy.config.listener.v3.Listener";
    public const string RouteConfiguration = Prefix + "envoy.config.route.v3.RouteConfiguration";
    public const string Cluster = Prefix + "envoy.config.cluster.v3.Cluster";
    public const string ClusterLoadAssignment = Prefix + "envoy.config.endpoint.v3.ClusterLoadAssignment";

    public const string FaultFilter = "envoy.filters.http.fault";
    public const string RouterFilter = "envoy.filters.http.router";

    public static IReadOnlyList<string> Chain { get; } = [Listener, RouteConfiguration, Cluster, ClusterLoadAssignment];

    /// <summary>Gets the short name used in logs: LDS, RDS, CDS, EDS.</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Listener => "LDS",
        RouteConfiguration => "RDS",
        Cluster => "CDS",
        ClusterLoadAssignment => "EDS",
        _ => typeUrl,
    };
}
