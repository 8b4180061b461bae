using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Mesh.Resilience;
using Mesh.Routing;
using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>
/// Routes each call of a mesh channel, as Envoy's router would route it (gRFC A28): it reads the live route table
/// (so a routing-only change applies to the next call, without reconnecting), matches the call's path
/// (<c>/pkg.Service/Method</c>) and metadata, injects the route's abort fault, chooses a weighted destination, and
/// picks an endpoint of that cluster by the cluster's load balancer among those outlier detection left and whose
/// subchannel is READY. Immutable over one set of READY subchannels; the balancer makes a new one when they change.
/// </summary>
internal sealed class MeshPicker : SubchannelPicker
{
    private static readonly KeyValuePair<string, object?> Routed = new("outcome", "routed");
    private static readonly KeyValuePair<string, object?> NoRoute = new("outcome", Http.MeshHeaders.RouteNotFound);
    private static readonly KeyValuePair<string, object?> NoUpstream = new("outcome", Http.MeshHeaders.NoHealthyUpstream);

    private readonly MeshSnapshotProvider _provider;
    private readonly Telemetry.MeshMetrics _metrics;
    private readonly GrpcTarget _target;
    private readonly Dictionary<(string Host, int Port), Subchannel> _ready;
    private readonly SubchannelStates _states;
    private readonly LogicalUris _uris;
    private Lookup? _lookup;

    public MeshPicker(MeshSnapshotProvider provider, Telemetry.MeshMetrics metrics, GrpcTarget target, IReadOnlyList<Subchannel> ready, SubchannelStates states, LogicalUris uris)
    {
        _provider = provider;
        _metrics = metrics;
        _target = target;
        _states = states;
        _uris = uris;
        _ready = new Dictionary<(string, int), Subchannel>(ready.Count);
        foreach (var subchannel in ready)
        {
            if (subchannel.CurrentAddress is { } address)
            {
                _ready[(address.EndPoint.Host, address.EndPoint.Port)] = subchannel;
            }
        }
    }

    public override PickResult Pick(PickContext context)
    {
        var request = context.Request;
        if (request?.RequestUri is null)
        {
            return PickResult.ForFailure(new Status(StatusCode.Internal, "Mesh: the call has no request to route."));
        }

        // One volatile read of the table; the service's routes are looked up again only when the table changed.
        var table = _provider.Routes;
        var lookup = Volatile.Read(ref _lookup);
        if (lookup is null || !ReferenceEquals(lookup.Table, table))
        {
            lookup = new Lookup(table, table.TryGetService(_target.Host, out var found) ? found : null);
            Volatile.Write(ref _lookup, lookup);
        }

        if (lookup.Service is not { } service)
        {
            return Unavailable($"'{_target.Host}' is not a mesh service");
        }

        // Route as a request to the target: the authority is the target's, as behind a sidecar.
        request.RequestUri = _uris.For(request.RequestUri);
        if (request.Headers.Host is null)
        {
            request.Headers.Host = _target.Authority;
        }

        var attempts = GrpcAttempts.Current;
        CompiledRoute route;
        RouteTarget target;
        int matchIndex;
        if (attempts is { Route: { } pinnedRoute, Target: { } pinnedTarget })
        {
            // A retry goes to the call's cluster, as Envoy chooses a request's cluster once, and rolls no fault again.
            (route, target, matchIndex) = (pinnedRoute, pinnedTarget, attempts.MatchIndex);
        }
        else
        {
            var matched = service.Match(request, out matchIndex);
            if (matched is null)
            {
                _metrics.Requests.Add(1, NoRoute);
                return Unavailable($"route_not_found: no route of {service.VirtualService} matched {request.RequestUri.AbsolutePath}");
            }

            route = matched;
            // Faults run before the router, as Envoy's fault filter does: an abort answers without an upstream, and is not retried.
            if (route.Policy?.Fault is { } fault && (fault.AbortGrpcStatus > 0 || fault.AbortStatus != 0) && FaultPolicy.Roll(fault.AbortPercent, table.Random))
            {
                var code = fault.AbortGrpcStatus > 0 ? (StatusCode)fault.AbortGrpcStatus : GrpcStatusMapping.FromHttp(fault.AbortStatus);
                _metrics.Requests.Add(1, Routed);
                return PickResult.ForDrop(new Status(code, MeshGrpcFailures.FaultAbortDetail));
            }

            var chosen = route.ChooseTarget(table.Random);
            if (chosen is null)
            {
                _metrics.Requests.Add(1, NoUpstream);
                return Unavailable("no_healthy_upstream: every destination of the route has weight 0");
            }

            target = chosen.ForPort(_target.Uri);
            if (target.Cluster.IsCold)
            {
                // The resolver is loading the cluster's instances; it publishes when they are in, and the balancer makes a new picker.
                return PickResult.ForQueue();
            }
        }

        // Counted once per call, as the HTTP mesh counts a request: at its first pick that is not put off.
        var first = attempts?.Route is null;
        var cluster = target.Cluster;
        if (attempts is not null)
        {
            attempts.Chosen = target;
        }

        var available = cluster.Available;
        if (available.Length == 0)
        {
            Count(first, NoUpstream);
            return Unavailable($"no_healthy_upstream: cluster {cluster.Name} has no healthy endpoint");
        }

        if (cluster.Limits is { } limits && limits.Active >= Math.Min(limits.MaxRequests, limits.MaxInFlightOrPending))
        {
            // As the HTTP mesh counts it: routed, then over the cluster's limit.
            Count(first, Routed);
            _metrics.Overflow(cluster.Name);
            return Unavailable($"upstream_overflow: cluster {cluster.Name} is at its max_requests limit");
        }

        var endpoint = PickReady(request, cluster, available, out var wait);

        // A retry tries up to 5 picks for an endpoint other than the last attempt's (Envoy's previous-hosts predicate).
        if (attempts is not null)
        {
            for (var i = 0; i < 4 && endpoint is not null && endpoint == attempts.Previous; i++)
            {
                endpoint = PickReady(request, cluster, available, out wait);
            }

            if (endpoint is not null)
            {
                attempts.Previous = endpoint;
                attempts.Route = route;
                attempts.Target = target;
                attempts.MatchIndex = matchIndex;
            }
        }

        if (endpoint is null)
        {
            if (wait)
            {
                return PickResult.ForQueue();
            }

            Count(first, NoUpstream);
            return Unavailable($"no_healthy_upstream: no endpoint of cluster {cluster.Name} is reachable");
        }

        Count(first, Routed);

        // The route's and the destination's header operations, and rewrite.authority, once per request (a request
        // whose subchannel turned out not READY is picked again).
        if (!request.Options.TryGetValue(MeshGrpcCall.Key, out _))
        {
            if (route.Rewrite is { } rewrite)
            {
                Rewrite(request, route, rewrite, matchIndex);
            }

            route.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);
            target.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);
        }

        var call = new MeshGrpcCall(cluster, endpoint, route.ResponseHeaders, target.ResponseHeaders);
        request.Options.Set(MeshGrpcCall.Key, call);
        return PickResult.ForSubchannel(_ready[(endpoint.Address, endpoint.Port)], call);
    }

    /// <summary>Applies rewrite.authority and rewrite.uri (the method path) or uriRegexRewrite, as the HTTP mesh does; allocates only when the route rewrites.</summary>
    private static void Rewrite(HttpRequestMessage request, CompiledRoute route, RouteRewrite rewrite, int matchIndex)
    {
        if (rewrite.Authority is { } authority)
        {
            request.Headers.Host = authority;
        }

        var uri = request.RequestUri!;
        string path;
        if (rewrite.Regex is { } regex)
        {
            path = regex.Replace(uri.AbsolutePath, rewrite.RegexReplacement ?? "");
        }
        else if (rewrite.Uri is { } replacement)
        {
            // Istio: with a prefix match, rewrite.uri replaces the matched prefix only.
            path = matchIndex >= 0 && route.Matches[matchIndex].UriPrefix is { } prefix ? replacement + uri.AbsolutePath[prefix.Length..] : replacement;
        }
        else
        {
            return;
        }

        // Grpc.Net.Client's balancer changes the host and port of this URI only: the path goes out as written here.
        request.RequestUri = new UriBuilder(uri) { Path = path }.Uri;
    }

    /// <summary>Picks by the cluster's load balancer among the available endpoints whose subchannel is READY; when none is, says whether one is still connecting.</summary>
    private MeshEndpoint? PickReady(HttpRequestMessage request, ClusterState cluster, MeshEndpoint[] available, out bool wait)
    {
        wait = false;
        var ready = 0;
        foreach (var endpoint in available)
        {
            ready += _ready.ContainsKey((endpoint.Address, endpoint.Port)) ? 1 : 0;
        }

        if (ready == available.Length)
        {
            return cluster.LoadBalancer.Pick(request, available);
        }

        if (ready > 0)
        {
            // Some endpoints are still connecting (or failed): pick among the others. Allocates, while that lasts.
            var subset = new MeshEndpoint[ready];
            var n = 0;
            foreach (var endpoint in available)
            {
                if (_ready.ContainsKey((endpoint.Address, endpoint.Port)))
                {
                    subset[n++] = endpoint;
                }
            }

            return cluster.LoadBalancer.Pick(request, subset);
        }

        // None is READY: wait while one is connecting (or not published yet), fail when all failed.
        foreach (var endpoint in available)
        {
            if (_states.Get(endpoint.Address, endpoint.Port) is not ConnectivityState.TransientFailure)
            {
                wait = true;
                break;
            }
        }

        return null;
    }

    private void Count(bool first, KeyValuePair<string, object?> outcome)
    {
        if (first)
        {
            _metrics.Requests.Add(1, outcome);
        }
    }

    private static PickResult Unavailable(string reason) => PickResult.ForFailure(new Status(StatusCode.Unavailable, MeshGrpcFailures.DetailPrefix + reason));

    /// <summary>The service's routes in one route table.</summary>
    private sealed record Lookup(RouteTable Table, ServiceRoutes? Service);
}
