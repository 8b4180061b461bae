using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Snapshot;

/// <summary>
/// The routes of one service as config data, as Envoy's RDS <c>VirtualHost</c>: the VirtualService's
/// HTTP routes that can apply to this caller, in order, each with the clusters it sends to; or one
/// default route to the whole service when no VirtualService names it. Value equality: the runtime
/// compiles a host's routes again only when this changes.
/// </summary>
/// <param name="Service">The service (every host alias of it resolves here).</param>
/// <param name="VirtualService">The VirtualService's display name (kind, namespace/name, source), or null for the default route.</param>
/// <param name="Routes">The routes, in order.</param>
internal sealed record VirtualHostConfig(ServiceKey Service, string? VirtualService, ValueList<RouteConfig> Routes);

/// <summary>One HTTP route: Istio's route with only the match blocks that can apply to this caller, and the cluster of each destination.</summary>
/// <param name="Name">The route's name: Istio's <c>name</c>, or <c>vs-name.http[i]</c>.</param>
/// <param name="Http">The Istio route; its <c>match</c> holds the blocks that apply to this caller (sourceLabels and sourceNamespace decided).</param>
/// <param name="Clusters">The cluster name of each destination of <c>Http.Route</c>, in the same order.</param>
/// <param name="PortClusters">
/// For destinations that name no port, the cluster of each service port their service's instances name
/// (<c>outbound|9090||ratings...</c>): a request to that port goes there, any other to <paramref name="Clusters"/>'s.
/// Null or empty when no destination's service has named ports.
/// </param>
internal sealed record RouteConfig(string Name, HttpRoute Http, ValueList<string> Clusters, ValueList<PortCluster>? PortClusters = null);

