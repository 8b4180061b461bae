using Mesh.Snapshot;

namespace Mesh.Routing;

/// <summary>One weighted destination of a compiled route: the cluster and its header operations.</summary>
internal sealed class RouteTarget(MeshCluster cluster, int weight, HeaderMutation? requestHeaders, HeaderMutation? responseHeaders)
{
    public MeshCluster Cluster { get; } = cluster;

    public int Weight { get; } = weight;

    public HeaderMutation? RequestHeaders { get; } = requestHeaders;

    public HeaderMutation? ResponseHeaders { get; } = responseHeaders;
}
