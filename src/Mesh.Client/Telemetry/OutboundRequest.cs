namespace Mesh.Telemetry;

/// <summary>What the telemetry of one logical outbound request records: its peers, outcome, sizes and timing, and the access log's fields.</summary>
internal readonly record struct OutboundRequest(
    IstioTagSet Peers,
    string Protocol,
    int ResponseCode,
    string GrpcStatus,
    ResponseFlags Flags,
    string SecurityPolicy,
    long StartTimestamp,
    long RequestBytes,
    long ResponseBytes,
    string Method,
    Uri Uri,
    Version Version,
    string? UpstreamHost,
    string? Cluster,
    string? Route);
