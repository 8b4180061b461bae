namespace Mesh.Server.Dashboard;

/// <summary>
/// One edge's traffic over the window: requests per second, the share that failed, the 99th percentile duration in
/// milliseconds (null without observations), and the share over mutual TLS (as the destination reported it).
/// </summary>
internal sealed record EdgeTraffic(EdgeKey Key, double RequestsPerSecond, double ErrorRatio, double? P99Milliseconds, double MutualTlsRatio);
