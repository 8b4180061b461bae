using System.Globalization;
using System.Net;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Http.Fault.V3;
using Envoy.Extensions.Filters.Http.Router.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Extensions.TransportSockets.Tls.V3;
using Envoy.Type.Matcher.V3;
using Envoy.Type.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Configuration;
using Mesh.Snapshot;
using CommonFaultDelay = Envoy.Extensions.Filters.Common.Fault.V3.FaultDelay;
using IstioOutlierDetection = Mesh.Configuration.OutlierDetection;
using XdsOutlierDetection = Envoy.Config.Cluster.V3.OutlierDetection;
using XdsEndpoint = Envoy.Config.Endpoint.V3.Endpoint;
using XdsFaultAbort = Envoy.Extensions.Filters.Http.Fault.V3.FaultAbort;
using XdsSocketAddress = Envoy.Config.Core.V3.SocketAddress;
using XdsRoute = Envoy.Config.Route.V3.Route;
using XdsRetryPolicy = Envoy.Config.Route.V3.RetryPolicy;
using XdsRouteMatch = Envoy.Config.Route.V3.RouteMatch;

namespace Mesh.Server.Xds;

/// <summary>
/// Translates one caller's <see cref="MeshSnapshot"/> into the xDS resources a proxyless gRPC client
/// reads, as istiod's grpcgen does: a plain translation of the snapshot's virtual hosts and clusters,
/// not a second implementation of routing. What a gRPC client would ignore or reject (gRFCs A28, A31,
/// A42, A44, A50) is left out of the resource and reported in <see cref="Notes"/>, never sent.
/// Pure and deterministic: the same snapshot gives the same bytes, so versions hash from content.
/// </summary>
internal sealed class XdsTranslator
{
    /// <summary>gRPC's cap on ring sizes (gRFC A42); larger values are NACKed.</summary>
    private const ulong MaxRingSize = 8_388_608;

    /// <summary>The retry_on tokens gRPC clients act on (gRFC A44); others are ignored by them.</summary>
    private static readonly HashSet<string> GrpcRetryOn = new(StringComparer.Ordinal) { "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable" };

    /// <summary>Istio's default retry policy (no <c>retries</c>) as a gRPC client reads it: 2 retries on UNAVAILABLE and CANCELLED.</summary>
    private const string DefaultRetryOn = "unavailable,cancelled";

    /// <summary>The notes of the resource being built on this thread (<see cref="BuildWithNotes"/>), so that a resource reused by a later view brings its notes along.</summary>
    [ThreadStatic]
    private static List<string>? _capture;

    private readonly MeshSnapshot _snapshot;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _resolved;
    private readonly SortedSet<string> _notes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <param name="snapshot">The caller's compiled snapshot.</param>
    /// <param name="resolved">The IP addresses of endpoint host names (xDS endpoints must be IP literals); a name missing here is left out and reported.</param>
    public XdsTranslator(MeshSnapshot snapshot, IReadOnlyDictionary<string, IReadOnlyList<string>>? resolved = null)
    {
        _snapshot = snapshot;
        _resolved = resolved ?? new Dictionary<string, IReadOnlyList<string>>();
    }

    public MeshSnapshot Snapshot => _snapshot;

    /// <summary>Gets what was left out of the resources translated so far, one line each, naming the document and field.</summary>
    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_gate)
            {
                return [.. _notes];
            }
        }
    }

    /// <summary>Builds the resource of a type by name, or null when no such resource exists, with the notes its translation made.</summary>
    public (IMessage? Message, IReadOnlyList<string> Notes) BuildWithNotes(string typeUrl, string name)
    {
        var outer = _capture;
        var notes = new List<string>();
        _capture = notes;
        try
        {
            return (Build(typeUrl, name), notes);
        }
        finally
        {
            _capture = outer;
        }
    }

    /// <summary>Records the notes of a resource translated by an earlier translator and reused (see <see cref="SameInputs"/>).</summary>
    public void AddNotes(IReadOnlyList<string> notes)
    {
        foreach (var note in notes)
        {
            Note(note);
        }
    }

    /// <summary>
    /// Whether the resource <paramref name="name"/> of <paramref name="typeUrl"/> translates from the same parts of this snapshot as
    /// of <paramref name="previous"/>'s, so that the earlier resource (bytes, hash and notes) can be served as is. Reads what the
    /// translation reads, nothing more: a listener the existence of its service; routes the virtual host and the names and load
    /// balancer of the clusters they send to; a cluster its settings but not its endpoints; an assignment its endpoints and their addresses.
    /// Callers compare translators of one caller identity (same namespace and trust domain).
    /// </summary>
    public bool SameInputs(XdsTranslator previous, string typeUrl, string name)
    {
        var before = previous._snapshot;
        var ns = _snapshot.Identity.Namespace;
        if (before.Identity.Namespace != ns || before.Identity.TrustDomain != _snapshot.Identity.TrustDomain)
        {
            return false;
        }

        switch (typeUrl)
        {
            case XdsTypes.Listener:
                return !XdsResourceNames.TryParseListener(name, ns, out var service, out _) ||
                       before.VirtualHosts.ContainsKey(service) == _snapshot.VirtualHosts.ContainsKey(service);
            case XdsTypes.RouteConfiguration:
                if (!XdsResourceNames.TryParseOutbound(name, ns, out var routed, out var subset, out _) || subset is not null)
                {
                    return true;
                }

                var found = _snapshot.VirtualHosts.TryGetValue(routed, out var host);
                if (found != before.VirtualHosts.TryGetValue(routed, out var hostBefore) || !Equals(host, hostBefore))
                {
                    return false;
                }

                return host is null || host.Routes.All(r =>
                    r.Clusters.All(c => SameRouteTarget(before, c)) &&
                    (r.PortClusters is null || r.PortClusters.All(p => SameRouteTarget(before, p.Cluster))));
            case XdsTypes.Cluster:
                return SameCluster(previous, name);
            case XdsTypes.ClusterLoadAssignment:
                return SameEndpoints(previous, name);
            default:
                return false;
        }
    }

    private bool SameCluster(XdsTranslator previous, string name)
    {
        var (now, then) = (FindCluster(name), previous.FindCluster(name));
        return now is null || then is null
            ? now is null && then is null
            : now.Name == then.Name && now.Service == then.Service && now.Subset == then.Subset && now.Port == then.Port &&
              now.IsCold == then.IsCold && Equals(now.TrafficPolicy, then.TrafficPolicy) && Equals(now.Tls, then.Tls);
    }

    private bool SameEndpoints(XdsTranslator previous, string name)
    {
        var (now, then) = (FindCluster(name), previous.FindCluster(name));
        return now is null || then is null
            ? now is null && then is null
            : now.Name == then.Name && Equals(now.Endpoints, then.Endpoints) &&
              now.Endpoints.All(e => IPAddress.TryParse(e.Address, out _) || SameResolution(previous, e.Address));
    }

    private bool SameRouteTarget(MeshSnapshot before, string cluster)
    {
        var now = _snapshot.Clusters[cluster];
        return before.Clusters.TryGetValue(cluster, out var then) &&
               now.Service == then.Service && now.Subset == then.Subset && now.Port == then.Port &&
               Equals(now.TrafficPolicy.LoadBalancer, then.TrafficPolicy.LoadBalancer);
    }

    private bool SameResolution(XdsTranslator previous, string host)
    {
        var found = _resolved.TryGetValue(host, out var now);
        return found == previous._resolved.TryGetValue(host, out var then) && (!found || now!.SequenceEqual(then!, StringComparer.Ordinal));
    }

    /// <summary>Builds the resource of a type by name, or null when no such resource exists.</summary>
    public IMessage? Build(string typeUrl, string name) => typeUrl switch
    {
        XdsTypes.Listener => Listener(name),
        XdsTypes.RouteConfiguration => RouteConfiguration(name),
        XdsTypes.Cluster => Cluster(name),
        XdsTypes.ClusterLoadAssignment => ClusterLoadAssignment(name),
        _ => null,
    };

    /// <summary>A client listener for a target <c>host[:port]</c>: an ApiListener whose HttpConnectionManager takes its routes by RDS, fault filter then router.</summary>
    public Listener? Listener(string name)
    {
        if (!XdsResourceNames.TryParseListener(name, _snapshot.Identity.Namespace, out var service, out var port) ||
            !_snapshot.VirtualHosts.ContainsKey(service))
        {
            return null;
        }

        var manager = new HttpConnectionManager
        {
            Rds = new Rds
            {
                ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                RouteConfigName = XdsResourceNames.Outbound(service, null, port),
            },
        };

        // The fault filter with an empty config does nothing until a route's typed_per_filter_config sets one; the router must be last.
        manager.HttpFilters.Add(new HttpFilter { Name = XdsTypes.FaultFilter, TypedConfig = Any.Pack(new HTTPFault()) });
        manager.HttpFilters.Add(new HttpFilter { Name = XdsTypes.RouterFilter, TypedConfig = Any.Pack(new Router()) });
        return new Listener { Name = name, ApiListener = new ApiListener { ApiListener_ = Any.Pack(manager) } };
    }

    /// <summary>The routes of <c>outbound|port||fqdn</c>: one virtual host whose domains are every alias of the service, with and without the port.</summary>
    public RouteConfiguration? RouteConfiguration(string name)
    {
        if (!XdsResourceNames.TryParseOutbound(name, _snapshot.Identity.Namespace, out var service, out var subset, out var port) ||
            subset is not null ||
            !_snapshot.VirtualHosts.TryGetValue(service, out var host))
        {
            return null;
        }

        var virtualHost = new VirtualHost { Name = port is { } p ? $"{service.Fqdn}:{p.ToString(CultureInfo.InvariantCulture)}" : service.Fqdn };
        foreach (var alias in service.HostAliases(_snapshot.Identity.Namespace).Distinct(StringComparer.Ordinal))
        {
            virtualHost.Domains.Add(alias);
            if (port is { } portValue)
            {
                virtualHost.Domains.Add($"{alias}:{portValue.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        var where = host.VirtualService ?? $"the default route of {service.Fqdn}";
        foreach (var route in host.Routes)
        {
            foreach (var xdsRoute in TranslateRoute(route, port, where))
            {
                virtualHost.Routes.Add(xdsRoute);
            }
        }

        var config = new RouteConfiguration { Name = name };
        config.VirtualHosts.Add(virtualHost);
        return config;
    }

    /// <summary>A cluster <c>outbound|port|subset|fqdn</c>: EDS over ADS, with the DestinationRule's load balancer, circuit breaker and outlier detection as far as gRPC clients implement them.</summary>
    public Cluster? Cluster(string name)
    {
        if (FindCluster(name) is not { } config)
        {
            return null;
        }

        var cluster = new Cluster
        {
            Name = name,
            Type = Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.Eds,
            EdsClusterConfig = new Envoy.Config.Cluster.V3.Cluster.Types.EdsClusterConfig
            {
                EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                ServiceName = name,
            },
            LbPolicy = Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.RoundRobin,
        };

        var where = $"the traffic policy of {config.Name}";
        ApplyLoadBalancer(cluster, config.TrafficPolicy.LoadBalancer, where);
        ApplyConnectionPool(cluster, config.TrafficPolicy.ConnectionPool, where);
        ApplyOutlierDetection(cluster, config.TrafficPolicy.OutlierDetection, where);
        ApplyTls(cluster, config.Tls, where);
        return cluster;
    }

    /// <summary>The healthy endpoints of a cluster, grouped by locality (each with a locality message and a non-zero weight, as gRPC clients require), IP literals only.</summary>
    public ClusterLoadAssignment? ClusterLoadAssignment(string name)
    {
        if (FindCluster(name) is not { } config)
        {
            return null;
        }

        var assignment = new ClusterLoadAssignment { ClusterName = name };
        var seen = new HashSet<(string, int)>();
        var byLocality = new SortedDictionary<string, List<LbEndpoint>>(StringComparer.Ordinal);
        var weights = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var endpoint in config.Endpoints)
        {
            if (endpoint.Health != EndpointHealth.Healthy)
            {
                continue;
            }

            foreach (var address in AddressesOf(endpoint, config.Name))
            {
                // An address:port twice in one assignment is a NACK: two instances on one address are one endpoint.
                if (!seen.Add((address, endpoint.Port)))
                {
                    continue;
                }

                var locality = endpoint.Locality ?? "";
                if (!byLocality.TryGetValue(locality, out var list))
                {
                    byLocality[locality] = list = [];
                    weights[locality] = 0;
                }

                var weight = (uint)Math.Max(1, endpoint.Weight);
                list.Add(new LbEndpoint
                {
                    Endpoint = new XdsEndpoint
                    {
                        Address = new Address { SocketAddress = new XdsSocketAddress { Address = address, PortValue = (uint)endpoint.Port } },
                    },
                    HealthStatus = HealthStatus.Healthy,
                    LoadBalancingWeight = weight,
                });
                weights[locality] += weight;
            }
        }

        foreach (var (locality, endpoints) in byLocality)
        {
            var group = new LocalityLbEndpoints { Locality = ParseLocality(locality), LoadBalancingWeight = weights[locality], Priority = 0 };
            group.LbEndpoints.Add(endpoints);
            assignment.Endpoints.Add(group);
        }

        return assignment;
    }

    private ClusterConfig? FindCluster(string name)
    {
        if (!XdsResourceNames.TryParseOutbound(name, _snapshot.Identity.Namespace, out var service, out var subset, out var port))
        {
            return null;
        }

        // A route that named no port sends to the port-less cluster of the snapshot; the xDS name carries the listener's port.
        if (_snapshot.Clusters.TryGetValue(XdsResourceNames.Outbound(service, subset, port), out var exact))
        {
            return exact;
        }

        return port is not null && _snapshot.Clusters.TryGetValue(XdsResourceNames.Outbound(service, subset, null), out var portless) && portless.Port is null
            ? portless
            : null;
    }

    /// <summary>
    /// The xDS cluster of a route's destination for a listener's port: the snapshot's cluster of that named service port when the
    /// destination names no port and its service names this one (<see cref="RouteConfig.PortClusters"/>, as Mesh.Client's per-port
    /// lookup), else the destination's own cluster, named with the listener's port when it has none (Istio's cluster names carry one).
    /// </summary>
    private string XdsClusterName(RouteConfig route, int destination, int? listenerPort)
    {
        if (listenerPort is { } port && route.PortClusters is { } ports)
        {
            foreach (var portCluster in ports)
            {
                if (portCluster.Destination == destination && portCluster.Port == port)
                {
                    return portCluster.Cluster;
                }
            }
        }

        var config = _snapshot.Clusters[route.Clusters[destination]];
        return XdsResourceNames.Outbound(config.Service, config.Subset, config.Port ?? listenerPort);
    }

    private IEnumerable<string> AddressesOf(EndpointConfig endpoint, string cluster)
    {
        if (IPAddress.TryParse(endpoint.Address, out _))
        {
            return [endpoint.Address];
        }

        if (_resolved.TryGetValue(endpoint.Address, out var addresses) && addresses.Count > 0)
        {
            return addresses;
        }

        Note($"{cluster}: endpoint {endpoint.Id} has the host name '{endpoint.Address}', which did not resolve to an IP address; left out of EDS (gRPC clients take IP literals only)");
        return [];
    }

    private static Locality ParseLocality(string locality)
    {
        // Always a message, even empty: grpc-js NACKs a LocalityLbEndpoints without one.
        var parts = locality.Split('/');
        return new Locality
        {
            Region = parts.Length > 0 ? parts[0] : "",
            Zone = parts.Length > 1 ? parts[1] : "",
            SubZone = parts.Length > 2 ? parts[2] : "",
        };
    }

    private List<XdsRoute> TranslateRoute(RouteConfig route, int? port, string where)
    {
        var http = route.Http;
        var at = $"{where} route '{route.Name}'";
        var matches = new List<XdsRouteMatch>();
        if (http.Match.Count == 0)
        {
            matches.Add(new XdsRouteMatch { Prefix = "/" });
        }
        else
        {
            for (var i = 0; i < http.Match.Count; i++)
            {
                if (TranslateMatch(http.Match[i], port, $"{at} match[{i}]") is { } match)
                {
                    matches.Add(match);
                }
            }
        }

        if (matches.Count == 0)
        {
            return [];
        }

        var action = TranslateAction(route, port, at);
        var fault = http.Fault is { } f ? Any.Pack(TranslateFault(f)) : null;
        ReportRouteExtras(http, at);

        var routes = new List<XdsRoute>(matches.Count);
        foreach (var match in matches)
        {
            var xdsRoute = new XdsRoute { Name = route.Name, Match = match, Route_ = action.Clone() };
            if (fault is not null)
            {
                xdsRoute.TypedPerFilterConfig.Add(XdsTypes.FaultFilter, fault);
            }

            routes.Add(xdsRoute);
        }

        return routes;
    }

    private XdsRouteMatch? TranslateMatch(HttpMatchRequest match, int? port, string at)
    {
        var unsupported = new List<string>();
        if (match.Scheme is not null)
        {
            unsupported.Add("scheme");
        }

        if (match.Method is not null)
        {
            unsupported.Add("method");
        }

        if (match.Authority is not null)
        {
            unsupported.Add("authority");
        }

        if (match.QueryParams.Count > 0)
        {
            unsupported.Add("queryParams");
        }

        foreach (var name in match.Headers.Keys.Concat(match.WithoutHeaders.Keys))
        {
            if (name.StartsWith(':'))
            {
                unsupported.Add($"headers['{name}'] (gRPC clients never match pseudo-headers)");
            }
        }

        if (match.Port is { } matchPort)
        {
            if (port is null)
            {
                unsupported.Add("port (the client's target names no port)");
            }
            else if (matchPort != port)
            {
                return null; // the block is for another port of the service: it never applies to this listener
            }
        }

        if (unsupported.Count > 0)
        {
            Note($"{at}: {string.Join(", ", unsupported)} cannot be matched by gRPC clients (gRFC A28); the match block is left out of RDS");
            return null;
        }

        var result = new XdsRouteMatch();
        switch (match.Uri)
        {
            case { Exact: { } exact }:
                result.Path = exact;
                break;
            case { Prefix: { } prefix }:
                result.Prefix = prefix;
                break;
            case { Regex: { } regex }:
                result.SafeRegex = new RegexMatcher { Regex = regex };
                break;
            default:
                result.Prefix = "/";
                break;
        }

        if (match.IgnoreUriCase && match.Uri is not null)
        {
            result.CaseSensitive = false;
        }

        foreach (var (name, value) in match.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            result.Headers.Add(HeaderMatcher(name, value, invert: false));
        }

        foreach (var (name, value) in match.WithoutHeaders.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            result.Headers.Add(HeaderMatcher(name, value, invert: true));
        }

        return result;
    }

    private static HeaderMatcher HeaderMatcher(string name, StringMatch value, bool invert)
    {
        var matcher = new HeaderMatcher { Name = name.ToLowerInvariant(), InvertMatch = invert };
        if (value.IsEmpty)
        {
            matcher.PresentMatch = true; // Istio: an empty match means "the header is present"
        }
        else
        {
            matcher.StringMatch = value switch
            {
                { Exact: { } exact } => new StringMatcher { Exact = exact },
                { Prefix: { } prefix } => new StringMatcher { Prefix = prefix },
                _ => new StringMatcher { SafeRegex = new RegexMatcher { Regex = value.Regex! } },
            };
        }

        return matcher;
    }

    private RouteAction TranslateAction(RouteConfig route, int? port, string at)
    {
        var http = route.Http;
        var action = new RouteAction();
        var destinations = new List<(string Cluster, uint Weight)>();
        for (var i = 0; i < http.Route.Count; i++)
        {
            var weight = http.Route.Count == 1 ? 100 : http.Route[i].Weight ?? 0;
            if (weight > 0)
            {
                destinations.Add((XdsClusterName(route, i, port), (uint)weight));
            }

            if (http.Route[i].Headers is not null)
            {
                Note($"{at} route[{i}]: headers (request/response header operations) are not applied by gRPC clients; left out of RDS");
            }
        }

        if (destinations.Count == 1 || (destinations.Count == 0 && route.Clusters.Count > 0))
        {
            action.Cluster = destinations.Count == 1 ? destinations[0].Cluster : XdsClusterName(route, 0, port);
        }
        else
        {
            var weighted = new WeightedCluster();
            foreach (var (cluster, weight) in destinations)
            {
                weighted.Clusters.Add(new WeightedCluster.Types.ClusterWeight { Name = cluster, Weight = weight });
            }

            action.WeightedClusters = weighted;
        }

        // gRFC A31: gRPC reads the route timeout from max_stream_duration (grpc_timeout_header_max caps the caller's deadline), never from timeout.
        if (http.Timeout is { } timeout)
        {
            action.MaxStreamDuration = new RouteAction.Types.MaxStreamDuration
            {
                MaxStreamDuration_ = Duration.FromTimeSpan(timeout),
                GrpcTimeoutHeaderMax = Duration.FromTimeSpan(timeout),
            };
        }

        if (TranslateRetries(http.Retries, at) is { } retries)
        {
            action.RetryPolicy = retries;
        }

        // Consistent hashing by header (gRFC A42): the route carries the hash policy of the clusters it sends to.
        foreach (var header in route.Clusters
                     .Select(c => _snapshot.Clusters[c].TrafficPolicy.LoadBalancer?.ConsistentHash?.HttpHeaderName)
                     .OfType<string>()
                     .Distinct(StringComparer.OrdinalIgnoreCase))
        {
            action.HashPolicy.Add(new RouteAction.Types.HashPolicy { Header = new RouteAction.Types.HashPolicy.Types.Header { HeaderName = header.ToLowerInvariant() } });
        }

        return action;
    }

    private XdsRetryPolicy? TranslateRetries(HttpRetry? retries, string at)
    {
        // gRFC A44: maxAttempts = num_retries + 1 (the client caps it at 5); only gRPC status tokens of retry_on count.
        var attempts = retries?.Attempts ?? 2;
        if (retries?.PerTryTimeout is not null)
        {
            Note($"{at}: retries.perTryTimeout is not implemented by gRPC clients (gRFC A44); left out of RDS");
        }

        if (retries?.RetryRemoteLocalities is true)
        {
            Note($"{at}: retries.retryRemoteLocalities is not implemented by gRPC clients; left out of RDS");
        }

        if (attempts <= 0)
        {
            return null;
        }

        string retryOn;
        if (retries?.RetryOn is { } given)
        {
            var tokens = given.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var kept = tokens.Where(GrpcRetryOn.Contains).Distinct(StringComparer.Ordinal).ToArray();
            var dropped = tokens.Where(t => !GrpcRetryOn.Contains(t)).ToArray();
            if (dropped.Length > 0)
            {
                Note($"{at}: retries.retryOn '{string.Join(",", dropped)}' is not a gRPC status condition (gRPC clients retry on cancelled, deadline-exceeded, internal, resource-exhausted, unavailable; gRFC A44); left out of RDS");
            }

            if (kept.Length == 0)
            {
                return null;
            }

            retryOn = string.Join(",", kept);
        }
        else
        {
            retryOn = DefaultRetryOn;
        }

        return new XdsRetryPolicy { RetryOn = retryOn, NumRetries = (uint)attempts };
    }

    private static HTTPFault TranslateFault(HttpFaultInjection fault)
    {
        var result = new HTTPFault();
        if (fault.Delay is { FixedDelay: { } delay } d)
        {
            result.Delay = new CommonFaultDelay { FixedDelay = Duration.FromTimeSpan(delay), Percentage = Percent(d.Percentage) };
        }

        if (fault.Abort is { } abort)
        {
            var xdsAbort = new XdsFaultAbort { Percentage = Percent(abort.Percentage) };
            if (abort.GrpcStatus is { } grpc && GrpcStatusCodes.TryParse(grpc, out var code))
            {
                xdsAbort.GrpcStatus = (uint)code;
            }
            else if (abort.HttpStatus is { } status)
            {
                xdsAbort.HttpStatus = (uint)status;
            }

            result.Abort = xdsAbort;
        }

        return result;
    }

    /// <summary>Istio's percentage (0-100, fractional; unset means 100) as parts per million.</summary>
    private static FractionalPercent Percent(double? percentage) => new()
    {
        Numerator = (uint)Math.Round(Math.Clamp(percentage ?? 100, 0, 100) * 10_000),
        Denominator = FractionalPercent.Types.DenominatorType.Million,
    };

    private void ReportRouteExtras(HttpRoute http, string at)
    {
        if (http.Rewrite is not null)
        {
            Note($"{at}: rewrite is not applied by gRPC clients; left out of RDS");
        }

        if (http.Mirror is not null)
        {
            Note($"{at}: mirror is not implemented by gRPC clients; left out of RDS");
        }

        if (http.Headers is not null)
        {
            Note($"{at}: headers (request/response header operations) are not applied by gRPC clients; left out of RDS");
        }
    }

    private void ApplyLoadBalancer(Cluster cluster, LoadBalancerSettings? lb, string where)
    {
        if (lb is null)
        {
            return;
        }

        if (lb.Simple is { } simple && !string.Equals(simple, "ROUND_ROBIN", StringComparison.OrdinalIgnoreCase) && !string.Equals(simple, "UNSPECIFIED", StringComparison.OrdinalIgnoreCase))
        {
            Note($"{where}: loadBalancer.simple {simple} is not implemented by gRPC clients (they NACK LEAST_REQUEST and RANDOM); sent as ROUND_ROBIN");
        }

        if (lb.ConsistentHash is { } hash)
        {
            if (hash.HttpHeaderName is not null)
            {
                cluster.LbPolicy = Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.RingHash;
                var ring = new Envoy.Config.Cluster.V3.Cluster.Types.RingHashLbConfig { HashFunction = Envoy.Config.Cluster.V3.Cluster.Types.RingHashLbConfig.Types.HashFunction.XxHash };
                if (hash.MinimumRingSize is { } min and > 0)
                {
                    ring.MinimumRingSize = Math.Min((ulong)min, MaxRingSize);
                }

                cluster.RingHashLbConfig = ring;
            }
            else
            {
                var kind = hash.HttpCookie is not null ? "httpCookie" : hash.UseSourceIp ? "useSourceIp" : hash.HttpQueryParameterName is not null ? "httpQueryParameterName" : "this hash key";
                Note($"{where}: loadBalancer.consistentHash.{kind} is not implemented by gRPC clients (only httpHeaderName; gRFC A42); sent as ROUND_ROBIN");
            }
        }
    }

    private void ApplyConnectionPool(Cluster cluster, ConnectionPoolSettings? pool, string where)
    {
        if (pool is null)
        {
            return;
        }

        // gRFC A32: gRPC clients enforce max_requests of the DEFAULT priority, nothing else.
        if (pool.Http?.Http2MaxRequests is { } maxRequests)
        {
            var breakers = new CircuitBreakers();
            breakers.Thresholds.Add(new CircuitBreakers.Types.Thresholds { Priority = RoutingPriority.Default, MaxRequests = (uint)maxRequests });
            cluster.CircuitBreakers = breakers;
        }

        var ignored = new List<string>();
        if (pool.Tcp?.MaxConnections is not null)
        {
            ignored.Add("tcp.maxConnections");
        }

        if (pool.Tcp?.ConnectTimeout is not null)
        {
            ignored.Add("tcp.connectTimeout");
        }

        if (pool.Http?.Http1MaxPendingRequests is not null)
        {
            ignored.Add("http.http1MaxPendingRequests");
        }

        if (pool.Http?.MaxRequestsPerConnection is not null)
        {
            ignored.Add("http.maxRequestsPerConnection");
        }

        if (pool.Http?.MaxRetries is not null)
        {
            ignored.Add("http.maxRetries");
        }

        if (pool.Http?.IdleTimeout is not null)
        {
            ignored.Add("http.idleTimeout");
        }

        if (ignored.Count > 0)
        {
            Note($"{where}: connectionPool {string.Join(", ", ignored)} not implemented by gRPC clients (only http.http2MaxRequests, as max_requests; gRFC A32); left out of CDS");
        }
    }

    private void ApplyOutlierDetection(Cluster cluster, IstioOutlierDetection? outlier, string where)
    {
        if (outlier is null)
        {
            return;
        }

        // gRFC A50: success-rate ejection is on whenever outlier_detection is present unless enforcing_success_rate is 0,
        // and gRPC clients have no consecutive-errors algorithm: Istio's fields map to the shared settings only.
        var detection = new XdsOutlierDetection
        {
            EnforcingSuccessRate = 0,
            EnforcingFailurePercentage = 0,
        };
        if (outlier.Interval is { } interval)
        {
            detection.Interval = Duration.FromTimeSpan(interval);
        }

        if (outlier.BaseEjectionTime is { } baseEjection)
        {
            detection.BaseEjectionTime = Duration.FromTimeSpan(baseEjection);
        }

        if (outlier.MaxEjectionPercent is { } maxPercent)
        {
            detection.MaxEjectionPercent = (uint)Math.Clamp(maxPercent, 0, 100);
        }

        cluster.OutlierDetection = detection;

        var ignored = new List<string>();
        if (outlier.Consecutive5xxErrors is not null)
        {
            ignored.Add("consecutive5xxErrors");
        }

        if (outlier.ConsecutiveGatewayErrors is not null)
        {
            ignored.Add("consecutiveGatewayErrors");
        }

        if (outlier.MinHealthPercent is not null)
        {
            ignored.Add("minHealthPercent");
        }

        if (ignored.Count > 0)
        {
            Note($"{where}: outlierDetection {string.Join(", ", ignored)} not implemented by gRPC clients (only success-rate and failure-percentage ejection; gRFC A50); left out of CDS, with enforcing_success_rate 0 so that no other algorithm turns on");
        }
    }

    /// <summary>
    /// ISTIO_MUTUAL (the DestinationRule's, or auto mTLS's) as istiod's proxyless generator sends it (gRFC A29): an UpstreamTlsContext
    /// whose certificate and roots come from the client's bootstrap certificate provider instance <c>default</c>, in the current fields
    /// (tls_certificate_provider_instance 14, ca_certificate_provider_instance 13, which grpc-js reads) and the deprecated ones
    /// (11, combined validation context 4: older grpc-go and grpc-java); the server's identity is checked against the expected SPIFFE IDs
    /// (match_subject_alt_names, exact). SIMPLE and MUTUAL name files on the caller's machine, which an xDS client cannot be sent.
    /// </summary>
    private void ApplyTls(Cluster cluster, UpstreamTls? tls, string where)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.Mode != ClientTlsSettings.IstioMutual)
        {
            Note($"{where}: tls mode {tls.Mode} is not sent to gRPC clients (only ISTIO_MUTUAL, whose certificates come from the client's bootstrap certificate_providers, as istiod's proxyless generator does); the cluster is sent without TLS");
            return;
        }

        var validation = new CertificateValidationContext
        {
            CaCertificateProviderInstance = new CertificateProviderPluginInstance { InstanceName = XdsTypes.CertificateProviderInstance, CertificateName = XdsTypes.RootCertificateName },
        };
        foreach (var san in tls.SubjectAltNames)
        {
            validation.MatchSubjectAltNames.Add(new StringMatcher { Exact = san });
        }

        var context = new UpstreamTlsContext
        {
            CommonTlsContext = new CommonTlsContext
            {
                TlsCertificateProviderInstance = new CertificateProviderPluginInstance { InstanceName = XdsTypes.CertificateProviderInstance, CertificateName = XdsTypes.WorkloadCertificateName },
                TlsCertificateCertificateProviderInstance = new CommonTlsContext.Types.CertificateProviderInstance { InstanceName = XdsTypes.CertificateProviderInstance, CertificateName = XdsTypes.WorkloadCertificateName },
                CombinedValidationContext = new CommonTlsContext.Types.CombinedCertificateValidationContext
                {
                    DefaultValidationContext = validation,
                    ValidationContextCertificateProviderInstance = new CommonTlsContext.Types.CertificateProviderInstance { InstanceName = XdsTypes.CertificateProviderInstance, CertificateName = XdsTypes.RootCertificateName },
                },
            },
        };
        cluster.TransportSocket = new TransportSocket { Name = XdsTypes.TlsTransportSocket, TypedConfig = Any.Pack(context) };
    }

    private void Note(string note)
    {
        _capture?.Add(note);
        lock (_gate)
        {
            _notes.Add(note);
        }
    }
}
