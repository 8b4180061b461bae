namespace Mesh.Http;

/// <summary>Headers the mesh adds to responses it generates itself.</summary>
public static class MeshHeaders
{
    /// <summary>Names why the mesh answered instead of an upstream: <see cref="RouteNotFound"/> or <see cref="NoHealthyUpstream"/>.</summary>
    public const string Reason = "x-mesh-reason";

    /// <summary>No route of the host's VirtualService matched the request (Envoy: NR).</summary>
    public const string RouteNotFound = "route_not_found";

    /// <summary>The chosen destination has no healthy instance (Envoy: UH).</summary>
    public const string NoHealthyUpstream = "no_healthy_upstream";
}
