using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Snapshot;

namespace Mesh.Registry.Xds;

/// <summary>A client listener as Mesh reads it: where its routes come from, and the listener-wide stream duration (gRFC A31).</summary>
internal sealed record XdsListener(string? RouteConfigName, XdsRouteTable? InlineRoutes, TimeSpan? MaxStreamDuration);

/// <summary>A RouteConfiguration as Mesh reads it: its virtual hosts, each with its domains and routes.</summary>
internal sealed record XdsRouteTable(IReadOnlyList<XdsVirtualHost> VirtualHosts)
{
    public IEnumerable<string> ClusterNames => VirtualHosts.SelectMany(v => v.Routes).SelectMany(r => r.Clusters).Distinct(StringComparer.Ordinal);
}

/// <summary>A virtual host: the domains it answers and its routes in order.</summary>
internal sealed record XdsVirtualHost(string Name, IReadOnlyList<string> Domains, IReadOnlyList<XdsRoute> Routes);

/// <summary>One route in Istio's shape (match, weighted destinations, timeout, retries, fault) with the cluster of each destination and the header it hashes on.</summary>
internal sealed record XdsRoute(string Name, HttpRoute Http, ValueList<string> Clusters, string? HashHeader);

/// <summary>A cluster as Mesh reads it: the EDS name of its endpoints and its traffic policy.</summary>
internal sealed record XdsCluster(string EdsName, TrafficPolicy Policy, bool RingHash);

/// <summary>The endpoints of an EDS resource.</summary>
internal sealed record XdsEndpoints(ValueList<EndpointConfig> Endpoints);
