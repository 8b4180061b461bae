using Mesh.Runtime;

namespace Mesh.Routing;

/// <summary>One weighted destination of a compiled route: the cluster's runtime state and the destination's header operations.</summary>
internal sealed class RouteTarget(ClusterState cluster, int weight, HeaderMutation? requestHeaders, HeaderMutation? responseHeaders)
{
    private (int Port, RouteTarget Target)[] _ports = [];

    public ClusterState Cluster { get; } = cluster;

    public int Weight { get; } = weight;

    public HeaderMutation? RequestHeaders { get; } = requestHeaders;

    public HeaderMutation? ResponseHeaders { get; } = responseHeaders;

    /// <summary>Gets the same destination on each named service port of its service, when it names no port itself; empty otherwise.</summary>
    public IReadOnlyList<(int Port, RouteTarget Target)> Ports
    {
        get => _ports;
        init => _ports = [.. value];
    }

    /// <summary>Gets the destination for a request to <paramref name="uri"/>: the one on the port it names when its service names that port, else this.</summary>
    public RouteTarget ForPort(Uri uri) => _ports.Length == 0 ? this : ForPort(uri.Port);

    /// <summary>Gets the destination for a request to service port <paramref name="port"/>.</summary>
    public RouteTarget ForPort(int port)
    {
        foreach (var (p, target) in _ports)
        {
            if (p == port)
            {
                return target;
            }
        }

        return this;
    }
}
