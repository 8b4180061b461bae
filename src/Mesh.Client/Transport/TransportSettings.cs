namespace Mesh.Resilience;

/// <summary>What a cluster asks of its connections; clusters with equal settings share one SocketsHttpHandler.</summary>
internal sealed record TransportSettings(TimeSpan? ConnectTimeout, int? MaxConnectionsPerServer, TimeSpan? IdleTimeout);
