namespace Mesh.Telemetry;

/// <summary>
/// Envoy's response flags, as Istio reports them in the <c>response_flags</c> label and the access log: why a request
/// did not get a plain upstream response. Several may be set (<c>DI,UT</c>).
/// </summary>
[Flags]
internal enum ResponseFlags
{
    /// <summary>None: the label is <c>-</c>.</summary>
    None = 0,

    /// <summary>UH: no healthy upstream host in the chosen cluster.</summary>
    NoHealthyUpstream = 1 << 0,

    /// <summary>UF: the connection to the upstream failed.</summary>
    UpstreamConnectionFailure = 1 << 1,

    /// <summary>UO: the upstream was over its circuit breaker's limit.</summary>
    UpstreamOverflow = 1 << 2,

    /// <summary>NR: no route matched.</summary>
    NoRouteFound = 1 << 3,

    /// <summary>URX: retries were used up and the last attempt still failed.</summary>
    UpstreamRetryLimitExceeded = 1 << 4,

    /// <summary>UT: the route's (or the last attempt's) timeout passed.</summary>
    UpstreamRequestTimeout = 1 << 5,

    /// <summary>DI: a fault delay was injected.</summary>
    DelayInjected = 1 << 6,

    /// <summary>FI: a fault abort answered the request.</summary>
    FaultInjected = 1 << 7,

    /// <summary>RBAC: an authorization policy denied the request.</summary>
    UnauthorizedExternalService = 1 << 8,

    /// <summary>DC: the downstream (the caller) went away or cancelled.</summary>
    DownstreamConnectionTermination = 1 << 9,

    /// <summary>UC: the upstream connection was reset or closed before a response.</summary>
    UpstreamConnectionTermination = 1 << 10,
}
