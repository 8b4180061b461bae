namespace Mesh.Configuration;

/// <summary>One HTTP route of a VirtualService: match conditions and where matching requests go.</summary>
internal sealed record HttpRoute
{
    /// <summary>Gets the route's name, used in logs and telemetry.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the match blocks; they are ORed, and an empty list matches everything.</summary>
    public IReadOnlyList<HttpMatchRequest> Match { get; init; } = [];

    /// <summary>Gets the weighted destinations.</summary>
    public IReadOnlyList<HttpRouteDestination> Route { get; init; } = [];

    /// <summary>Gets the rewrite applied before forwarding.</summary>
    public HttpRewrite? Rewrite { get; init; }

    /// <summary>Gets the header manipulations for every destination of this route.</summary>
    public HeadersConfig? Headers { get; init; }

    /// <summary>Gets the timeout of the whole call, retries included.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the retry policy.</summary>
    public HttpRetry? Retries { get; init; }

    /// <summary>Gets the faults injected into matching requests.</summary>
    public HttpFaultInjection? Fault { get; init; }

    /// <summary>Gets the destination that matching requests are mirrored to.</summary>
    public Destination? Mirror { get; init; }
}
