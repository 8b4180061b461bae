namespace Mesh.Server.Dashboard;

/// <summary>
/// An edge of the service graph: requests per second, the share that failed, the 99th percentile in ms (null without
/// observations), and how the destination reported the connections: <c>mutual_tls</c>, <c>none</c>, <c>mixed</c>, or
/// null when no destination reported (Istio's <c>connection_security_policy</c>, read from <c>reporter="destination"</c>).
/// </summary>
internal sealed record GraphEdge(string Source, string Target, double RequestsPerSecond, double ErrorRatio, double? P99Milliseconds, string? Security);
