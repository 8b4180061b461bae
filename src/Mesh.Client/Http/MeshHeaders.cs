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

    /// <summary>The route's fault injection aborted the request (Envoy: FI).</summary>
    public const string FaultAbort = "fault_abort";

    /// <summary>A connection pool limit of the destination was reached (Envoy's circuit breaker: UO).</summary>
    public const string UpstreamOverflow = "upstream_overflow";

    /// <summary>The route's timeout, or the last attempt's per-try timeout, passed (Envoy: UT).</summary>
    public const string UpstreamRequestTimeout = "upstream_request_timeout";

    /// <summary>No connection could be made to the endpoint, and no retry was left (Envoy: UF).</summary>
    public const string UpstreamConnectFailure = "upstream_connect_failure";

    /// <summary>The connection was reset before a response, and no retry was left (Envoy: UR).</summary>
    public const string UpstreamReset = "upstream_reset";
}
