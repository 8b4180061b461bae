using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry;

/// <summary>
/// The access log: one line per request, in the fields and order of Envoy's default format (start time, method, path,
/// protocol, response code, response flags, bytes received and sent, duration, authority, upstream host and cluster),
/// through <see cref="ILogger"/> under the category <c>Mesh.AccessLog</c>. Off unless <c>Mesh:AccessLog</c> is true.
/// </summary>
internal static partial class AccessLog
{
    /// <summary>The logger category of the access log.</summary>
    public const string Category = "Mesh.AccessLog";

    [LoggerMessage(MeshEventIds.AccessLogOutbound, LogLevel.Information,
        "[{StartTime:O}] \"{Method} {Path} {Protocol}\" {ResponseCode} {ResponseFlags} {GrpcStatus} {BytesReceived} {BytesSent} {Duration} \"{Authority}\" \"{UpstreamHost}\" {UpstreamCluster} {RouteName} outbound")]
    public static partial void Outbound(ILogger logger, DateTimeOffset startTime, string method, string path, string protocol, int responseCode, string responseFlags, string grpcStatus, long bytesReceived, long bytesSent, long duration, string authority, string upstreamHost, string upstreamCluster, string routeName);

    [LoggerMessage(MeshEventIds.AccessLogInbound, LogLevel.Information,
        "[{StartTime:O}] \"{Method} {Path} {Protocol}\" {ResponseCode} {ResponseFlags} {GrpcStatus} {BytesReceived} {BytesSent} {Duration} \"{Authority}\" \"{DownstreamPeer}\" {ConnectionSecurityPolicy} {SourcePrincipal} inbound")]
    public static partial void Inbound(ILogger logger, DateTimeOffset startTime, string method, string path, string protocol, int responseCode, string responseFlags, string grpcStatus, long bytesReceived, long bytesSent, long duration, string authority, string downstreamPeer, string connectionSecurityPolicy, string sourcePrincipal);
}
