namespace Mesh.Configuration;

/// <summary>A weighted destination of an HTTP route.</summary>
internal sealed record HttpRouteDestination
{
    /// <summary>Gets where the traffic goes.</summary>
    public required Destination Destination { get; init; }

    /// <summary>Gets the share of traffic, out of the sum of the route's weights; null means 100 for a single destination.</summary>
    public int? Weight { get; init; }

    /// <summary>Gets header manipulations applied when this destination is chosen.</summary>
    public HeadersConfig? Headers { get; init; }
}
