namespace Mesh.Telemetry;

/// <summary>
/// Istio's standard metric labels and values (https://istio.io/latest/docs/reference/config/metrics/), and the
/// text of status codes, built once so a measurement allocates none.
/// </summary>
internal static class IstioLabels
{
    public const string Reporter = "reporter";
    public const string SourceWorkload = "source_workload";
    public const string SourceWorkloadNamespace = "source_workload_namespace";
    public const string SourcePrincipal = "source_principal";
    public const string SourceApp = "source_app";
    public const string SourceVersion = "source_version";
    public const string SourceCluster = "source_cluster";
    public const string SourceCanonicalService = "source_canonical_service";
    public const string SourceCanonicalRevision = "source_canonical_revision";
    public const string DestinationWorkload = "destination_workload";
    public const string DestinationWorkloadNamespace = "destination_workload_namespace";
    public const string DestinationPrincipal = "destination_principal";
    public const string DestinationApp = "destination_app";
    public const string DestinationVersion = "destination_version";
    public const string DestinationService = "destination_service";
    public const string DestinationServiceName = "destination_service_name";
    public const string DestinationServiceNamespace = "destination_service_namespace";
    public const string DestinationCluster = "destination_cluster";
    public const string DestinationCanonicalService = "destination_canonical_service";
    public const string DestinationCanonicalRevision = "destination_canonical_revision";
    public const string RequestProtocol = "request_protocol";
    public const string ResponseCode = "response_code";
    public const string GrpcResponseStatus = "grpc_response_status";
    public const string ResponseFlags = "response_flags";
    public const string ConnectionSecurityPolicy = "connection_security_policy";

    /// <summary>Istio's value for a label whose value is not known.</summary>
    public const string Unknown = "unknown";

    /// <summary>Istio's canonical revision when a workload has no version label.</summary>
    public const string Latest = "latest";

    public const string ReporterSource = "source";
    public const string ReporterDestination = "destination";
    public const string ProtocolHttp = "http";
    public const string ProtocolGrpc = "grpc";
    public const string MutualTls = "mutual_tls";
    public const string NoTls = "none";

    /// <summary>The labels of every Istio request metric, in the order <see cref="IstioTagSet"/> fills them.</summary>
    public static readonly string[] All =
    [
        Reporter, SourceWorkload, SourceWorkloadNamespace, SourcePrincipal, SourceApp, SourceVersion, SourceCluster,
        SourceCanonicalService, SourceCanonicalRevision, DestinationWorkload, DestinationWorkloadNamespace, DestinationPrincipal,
        DestinationApp, DestinationVersion, DestinationService, DestinationServiceName, DestinationServiceNamespace,
        DestinationCluster, DestinationCanonicalService, DestinationCanonicalRevision,
        RequestProtocol, ResponseCode, GrpcResponseStatus, ResponseFlags, ConnectionSecurityPolicy,
    ];

    /// <summary>The last of gRPC's status codes (UNAUTHENTICATED).</summary>
    private const int MaxGrpcCode = 16;

    private static readonly string[] Codes = BuildCodes(1000);

    /// <summary>Returns the decimal text of a status code (HTTP 0-999, gRPC 0-16), the same instance every time.</summary>
    public static string Code(int code) => (uint)code < (uint)Codes.Length ? Codes[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Returns the label of a gRPC status: the decimal text of codes 0-16 (gRPC's status codes), <c>unknown</c> for
    /// any other number. A peer chooses its <c>grpc-status</c>: a label value must not be whatever number it sends,
    /// or a hostile peer could add a metric series per request.
    /// </summary>
    public static string GrpcCode(int code) => code is >= 0 and <= MaxGrpcCode ? Codes[code] : Unknown;

    private static string[] BuildCodes(int n)
    {
        var codes = new string[n];
        for (var i = 0; i < n; i++)
        {
            codes[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return codes;
    }
}
