namespace Mesh.Snapshot;

/// <summary>The cluster a route's destination sends a request to when the request names service port <paramref name="Port"/>.</summary>
/// <param name="Destination">The destination's index in the route.</param>
/// <param name="Port">The service port.</param>
/// <param name="Cluster">The cluster's name.</param>
internal sealed record PortCluster(int Destination, int Port, string Cluster);
