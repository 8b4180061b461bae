namespace Mesh.Server.Dashboard;

/// <summary><c>/api/graph</c>: the service graph as of <paramref name="At"/>, rates over <paramref name="WindowSeconds"/>.</summary>
internal sealed record GraphReport(DateTimeOffset At, double WindowSeconds, IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges);
