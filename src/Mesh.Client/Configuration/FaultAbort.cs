namespace Mesh.Configuration;

/// <summary>An abort injected instead of forwarding.</summary>
internal sealed record FaultAbort
{
    /// <summary>Gets the share of requests aborted, 0 to 100; none when left out, as in Istio.</summary>
    public double? Percentage { get; init; }

    /// <summary>Gets the HTTP status returned.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Gets the gRPC status returned to gRPC calls, by its name (<c>UNAVAILABLE</c>); HTTP requests are not aborted by it.</summary>
    public string? GrpcStatus { get; init; }
}
