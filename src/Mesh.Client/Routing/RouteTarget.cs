using Mesh.Runtime;

namespace Mesh.Routing;

/// <summary>One weighted destination of a compiled route: the cluster's runtime state and the destination's header operations.</summary>
internal sealed class RouteTarget(ClusterState cluster, int weight, HeaderMutation? requestHeaders, HeaderMutation? responseHeaders)
{
    public ClusterState Cluster { get; } = cluster;

    public int Weight { get; } = weight;

    public HeaderMutation? RequestHeaders { get; } = requestHeaders;

    public HeaderMutation? ResponseHeaders { get; } = responseHeaders;
}
