namespace Mesh.Grpc;

/// <summary>The names a mesh channel is known by in Grpc.Net.Client: its address scheme and its load-balancing policy.</summary>
internal static class MeshGrpcDefaults
{
    /// <summary>The address scheme of a mesh channel: <c>mesh:///reviews:9080</c>.</summary>
    public const string Scheme = "mesh";

    /// <summary>The address scheme of a channel in xDS mode, as proxyless gRPC in other languages writes it: <c>xds:///reviews:9080</c>.</summary>
    public const string XdsScheme = "xds";

    /// <summary>The load-balancing policy the mesh resolver selects in its service config.</summary>
    public const string Policy = "mesh";
}
