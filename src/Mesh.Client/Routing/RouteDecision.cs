using Mesh.Runtime;

namespace Mesh.Routing;

/// <summary>The outcome of routing one request.</summary>
internal readonly record struct RouteDecision(RouteOutcome Outcome, ServiceRoutes? Service, CompiledRoute? Route, int MatchIndex, RouteTarget? Target, MeshEndpoint? Endpoint);

/// <summary>Why a request went where it went (or nowhere).</summary>
internal enum RouteOutcome
{
    /// <summary>The host is not a mesh service; the request passes through untouched.</summary>
    NotMeshHost,

    /// <summary>An endpoint was picked.</summary>
    Routed,

    /// <summary>No route of the host's VirtualService matched (Envoy: NR, route_not_found).</summary>
    NoRoute,

    /// <summary>The chosen cluster has no healthy endpoint (Envoy: UH, no_healthy_upstream).</summary>
    NoHealthyUpstream,

    /// <summary>The chosen cluster's instances are not loaded yet; load them, then route again.</summary>
    ColdCluster,
}
