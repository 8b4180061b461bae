using System.Diagnostics;

namespace Mesh.Telemetry;

/// <summary>The mesh's <see cref="ActivitySource"/> and the attribute names of its spans (OpenTelemetry's where one exists).</summary>
internal static class MeshActivities
{
    public static readonly ActivitySource Source = new(MeshTelemetry.ActivitySourceName);

    // OpenTelemetry semantic conventions (HTTP client spans, RPC spans).
    public const string HttpRequestMethod = "http.request.method";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string UrlFull = "url.full";
    public const string ErrorType = "error.type";
    public const string RpcSystem = "rpc.system";
    public const string RpcMethod = "rpc.method";
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";
    public const string NetworkPeerAddress = "network.peer.address";
    public const string NetworkPeerPort = "network.peer.port";

    // The mesh's own: where the request went and what the mesh did to it.
    public const string Route = "mesh.route";
    public const string Cluster = "mesh.cluster";
    public const string Subset = "mesh.subset";
    public const string DestinationService = "mesh.destination.service";
    public const string Attempts = "mesh.attempts";
    public const string ResponseFlagsTag = "mesh.response_flags";
    public const string Fault = "mesh.fault";
    public const string ConnectionSecurityPolicy = "mesh.connection_security_policy";
    public const string SourcePrincipal = "mesh.source.principal";

    /// <summary>Starts the client span of a logical request, or returns null when nobody listens (nothing is allocated then).</summary>
    public static Activity? StartRequest(string method, string service)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(MeshTelemetry.RequestActivityName, ActivityKind.Client);
        if (activity is not null)
        {
            activity.DisplayName = method;
            activity.SetTag(HttpRequestMethod, method);
            activity.SetTag(DestinationService, service);
        }

        return activity;
    }
}
