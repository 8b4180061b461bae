using System.Collections.Frozen;
using System.Globalization;
using Mesh.Configuration;
using Mesh.LoadBalancing;
using Mesh.Registry;
using Mesh.Routing;

namespace Mesh.Snapshot;

/// <summary>
/// Compiles validated documents and registry instances into a <see cref="MeshSnapshot"/>, with
/// Istio's semantics: short hosts resolve in the document's namespace, a subset is the instances
/// whose labels contain the subset's labels, a subset's trafficPolicy overrides the rule's, and a
/// host without a VirtualService gets one route over all its healthy instances.
/// </summary>
internal sealed class MeshSnapshotCompiler(
    MeshIdentity identity,
    IMeshRandom random,
    Func<ServiceInstance, EndpointState> endpointState,
    TimeProvider? time = null,
    Resilience.MeshTransports? transports = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Resilience.MeshTransports _transports = transports ?? SharedTransports.Value;
    private static readonly Lazy<Resilience.MeshTransports> SharedTransports = new(() => new Resilience.MeshTransports());

    public MeshIdentity Identity => identity;

    /// <summary>Validates then compiles; throws <see cref="MeshConfigException"/> listing every error.</summary>
    public MeshSnapshot Compile(long version, IReadOnlyList<MeshDocument> documents, IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances, IReadOnlySet<ServiceKey>? coldServices = null)
    {
        coldServices ??= new HashSet<ServiceKey>();
        var errors = MeshConfigValidator.Validate(documents, identity.Namespace);
        if (errors.Count > 0)
        {
            throw new MeshConfigException(errors);
        }

        var visible = documents.Where(IsVisible).ToList();
        var rules = new Dictionary<ServiceKey, DestinationRule>();
        foreach (var rule in visible.OfType<DestinationRule>())
        {
            rules[ServiceKey.Parse(rule.Spec.Host, NamespaceOf(rule))] = rule;
        }

        var clusters = new Dictionary<(ServiceKey, string?), MeshCluster>();
        MeshCluster GetCluster(ServiceKey service, string? subset, int? port)
        {
            if (clusters.TryGetValue((service, subset), out var cluster))
            {
                return cluster;
            }

            cluster = BuildCluster(service, subset, port, instances, rules, coldServices.Contains(service));
            clusters[(service, subset)] = cluster;
            return cluster;
        }

        var routesByService = new Dictionary<ServiceKey, ServiceRoutes>();
        foreach (var service in visible.OfType<VirtualService>())
        {
            var ns = NamespaceOf(service);
            CompiledRoute[] compiled;
            try
            {
                compiled = CompileRoutes(service, ns, GetCluster);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException or FormatException or System.ComponentModel.DataAnnotations.ValidationException)
            {
                // The validator should have refused what cannot be built; if it did not, still name the document.
                throw new MeshConfigException([new ConfigError(service.DisplayName, "spec.http", $"passed validation but could not be compiled: {ex.Message}")]);
            }

            foreach (var host in service.Spec.Hosts)
            {
                var key = ServiceKey.Parse(host, ns);
                routesByService[key] = new ServiceRoutes(key, compiled, service);
            }
        }

        // Every other known service (from the registry or a DestinationRule) gets the default route.
        foreach (var key in instances.Keys.Concat(rules.Keys).Concat(coldServices))
        {
            if (!routesByService.ContainsKey(key))
            {
                var target = new RouteTarget(GetCluster(key, null, null), 100, null, null);
                var defaultRoute = new CompiledRoute("default", [], [target], null, null, null)
                {
                    Policy = Resilience.RoutePolicy.Create(new HttpRoute(), _time, random),
                };
                routesByService[key] = new ServiceRoutes(key, [defaultRoute], null);
            }
        }

        var hosts = new Dictionary<string, ServiceRoutes>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, routes) in routesByService)
        {
            foreach (var alias in key.HostAliases(identity.Namespace))
            {
                hosts[alias] = routes;
            }
        }

        return new MeshSnapshot(
            version,
            identity,
            documents,
            instances,
            hosts.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            clusters.Values.ToFrozenDictionary(c => c.Name, StringComparer.Ordinal),
            random);
    }

    private string NamespaceOf(MeshDocument document) => document.Metadata.Namespace ?? identity.Namespace;

    /// <summary>exportTo: empty or '*' is everywhere, '.' is the document's own namespace, else the listed namespaces.</summary>
    private bool IsVisible(MeshDocument document)
    {
        var exportTo = document switch
        {
            VirtualService vs => vs.Spec.ExportTo,
            DestinationRule dr => dr.Spec.ExportTo,
            _ => [],
        };
        return exportTo.Count == 0 || exportTo.Any(e => e == "*" || e == identity.Namespace || (e == "." && NamespaceOf(document) == identity.Namespace));
    }

    private CompiledRoute[] CompileRoutes(VirtualService service, string ns, Func<ServiceKey, string?, int?, MeshCluster> getCluster)
    {
        var routes = new List<CompiledRoute>();

        // One slot per distinct header name across the table, so a request reads each header once.
        var headerSlots = new HeaderSlotMap();
        for (var r = 0; r < service.Spec.Http.Count; r++)
        {
            var route = service.Spec.Http[r];

            // sourceLabels and sourceNamespace are facts about this caller, so they are decided here, once.
            var matches = route.Match.Where(AppliesToCaller).Select(m => new RouteMatch(m, headerSlots)).ToArray();
            if (route.Match.Count > 0 && matches.Length == 0)
            {
                continue; // no match block can apply to this caller
            }

            var targets = route.Route.Select(d => new RouteTarget(
                getCluster(ServiceKey.Parse(d.Destination.Host, ns), d.Destination.Subset, d.Destination.Port),
                d.Weight ?? (route.Route.Count == 1 ? 100 : 0),
                HeaderMutation.Create(d.Headers?.Request),
                HeaderMutation.Create(d.Headers?.Response))).ToArray();

            RouteRewrite? rewrite = null;
            if (route.Rewrite is { } rw)
            {
                var regex = rw.UriRegexRewrite is { } rr ? Configuration.Internal.RouteRegex.CreateRewrite(rr.Match) : null;
                rewrite = new RouteRewrite(rw.Uri, rw.Authority, regex, ToDotNetReplacement(rw.UriRegexRewrite?.Rewrite));
            }

            routes.Add(new CompiledRoute(
                route.Name ?? $"{service.Metadata.Name}.http[{r}]",
                matches,
                targets,
                rewrite,
                HeaderMutation.Create(route.Headers?.Request),
                HeaderMutation.Create(route.Headers?.Response))
            {
                Policy = Resilience.RoutePolicy.Create(route, _time, random),
            });
        }

        return [.. routes];
    }

    private bool AppliesToCaller(HttpMatchRequest match) =>
        match.SourceLabels.All(l => identity.Labels.TryGetValue(l.Key, out var v) && v == l.Value) &&
        (match.SourceNamespace is null || match.SourceNamespace == identity.Namespace);

    /// <summary>RE2 replacements use \1; .NET uses $1.</summary>
    private static string? ToDotNetReplacement(string? rewrite) =>
        rewrite is null ? null : System.Text.RegularExpressions.Regex.Replace(rewrite.Replace("$", "$$", StringComparison.Ordinal), @"\\(\d)", "$${$1}");

    private MeshCluster BuildCluster(
        ServiceKey service,
        string? subsetName,
        int? port,
        IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances,
        Dictionary<ServiceKey, DestinationRule> rules,
        bool isCold)
    {
        rules.TryGetValue(service, out var rule);
        var subset = subsetName is null ? null : rule?.Spec.Subsets.FirstOrDefault(s => s.Name == subsetName);
        var all = instances.TryGetValue(service, out var list) ? list : [];
        var members = all
            .Where(i => i.Healthy && (subset is null || subset.Labels.All(l => i.Labels.TryGetValue(l.Key, out var v) && v == l.Value)))
            .OrderBy(i => i.Address, StringComparer.Ordinal)
            .ThenBy(i => i.Port)
            .Select(i => new MeshEndpoint(i, endpointState(i)))
            .ToArray();

        // A subset's trafficPolicy overrides the rule's field by field (loadBalancer, connectionPool, outlierDetection).
        var settings = subset?.TrafficPolicy?.LoadBalancer ?? rule?.Spec.TrafficPolicy?.LoadBalancer;
        var policy = new TrafficPolicy
        {
            LoadBalancer = settings,
            ConnectionPool = subset?.TrafficPolicy?.ConnectionPool ?? rule?.Spec.TrafficPolicy?.ConnectionPool,
            OutlierDetection = subset?.TrafficPolicy?.OutlierDetection ?? rule?.Spec.TrafficPolicy?.OutlierDetection,
        };
        // Istio names clusters by service port; Mesh knows one only when the route names it (destination.port.number).
        var portText = port?.ToString(CultureInfo.InvariantCulture) ?? "";
        var name = $"outbound|{portText}|{subsetName}|{service.Fqdn}";
        return new MeshCluster(name, service, subsetName, members, CreateLoadBalancer(settings, members), isCold)
        {
            Policy = Resilience.ClusterPolicy.Create(policy, members, _time, _transports),
        };
    }

    private LoadBalancer CreateLoadBalancer(LoadBalancerSettings? settings, MeshEndpoint[] endpoints)
    {
        if (settings?.ConsistentHash is { } hash)
        {
            var (source, key) = hash switch
            {
                { HttpHeaderName: { } header } => (HashKeySource.Header, header),
                { HttpCookie: { } cookie } => (HashKeySource.Cookie, cookie.Name),
                { HttpQueryParameterName: { } query } => (HashKeySource.QueryParameter, query),
                _ => (HashKeySource.SourceIp, ""),
            };
            return new RingHashLoadBalancer(endpoints, source, key, hash.MinimumRingSize ?? RingHashLoadBalancer.DefaultMinimumRingSize, identity.SourceAddress, random)
            {
                Cookie = hash.HttpCookie,
            };
        }

        return settings?.Simple switch
        {
            "LEAST_REQUEST" or "LEAST_CONN" => new LeastRequestLoadBalancer(random),
            "RANDOM" => new RandomLoadBalancer(random),
            _ => new RoundRobinLoadBalancer(random.Next(Math.Max(endpoints.Length, 1)), endpoints.Length),
        };
    }
}
