using System.Collections.Frozen;
using System.Globalization;
using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Registry;

namespace Mesh.Snapshot;

/// <summary>
/// Compiles validated documents and registry instances into a <see cref="MeshSnapshot"/>, with
/// Istio's semantics: short hosts resolve in the document's namespace, a subset is the instances
/// whose labels contain the subset's labels, a subset's trafficPolicy overrides the rule's field by
/// field, match blocks that name another caller (sourceLabels, sourceNamespace) are dropped, and a
/// host without a VirtualService gets one route over all its healthy instances. A service whose instances
/// name ports (<c>grpc-ratings: 9090</c>) gets a cluster per named port, as Istio's
/// <c>outbound|9090||ratings...</c>: a destination that names a port sends to that port's cluster, one that
/// names none to the cluster of the port the request names. Pure: config in, config out; it builds no runtime state.
/// </summary>
internal sealed class MeshSnapshotCompiler(MeshIdentity identity)
{
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

        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        string ClusterFor(ServiceKey service, string? subset, int? port)
        {
            var name = ClusterName(service, subset, port);
            if (!clusters.ContainsKey(name))
            {
                clusters[name] = BuildCluster(name, service, subset, port, instances, rules, coldServices.Contains(service), identity.TrustDomain);
            }

            return name;
        }

        // The service ports the instances of a service name, in order (Kubernetes: the Service's ports).
        int[] ServicePorts(ServiceKey service) => instances.TryGetValue(service, out var list)
            ? [.. list.SelectMany(i => i.Ports ?? ValueList<InstancePort>.Empty).Select(p => p.Port).Distinct().Order()]
            : [];

        var hosts = new Dictionary<ServiceKey, VirtualHostConfig>();
        var notes = new List<string>();
        foreach (var service in visible.OfType<VirtualService>())
        {
            if (!service.AppliesToMesh)
            {
                notes.Add($"{service.DisplayName} is bound to gateways [{string.Join(", ", service.Spec.Gateways)}] without 'mesh', so it does not apply to mesh traffic (Istio's rule)");
                continue;
            }

            var ns = NamespaceOf(service);
            var routes = CompileRoutes(service, ns, ClusterFor, ServicePorts);
            foreach (var host in service.Spec.Hosts)
            {
                var key = ServiceKey.Parse(host, ns);
                hosts[key] = new VirtualHostConfig(key, service.DisplayName, routes);
            }
        }

        // Every other known service (from the registry or a DestinationRule) gets the default route.
        foreach (var key in instances.Keys.Concat(rules.Keys).Concat(coldServices))
        {
            if (!hosts.ContainsKey(key))
            {
                var route = new HttpRoute { Route = new ValueList<HttpRouteDestination>([new HttpRouteDestination { Destination = new Destination { Host = key.Fqdn } }]) };
                var ports = ServicePorts(key).Select(p => new PortCluster(0, p, ClusterFor(key, null, p))).ToArray();
                hosts[key] = new VirtualHostConfig(key, null, new ValueList<RouteConfig>([new RouteConfig("default", route, new ValueList<string>([ClusterFor(key, null, null)]), ports.Length == 0 ? null : new ValueList<PortCluster>(ports))]));
            }
        }

        return new MeshSnapshot(version, identity, documents, instances, hosts.ToFrozenDictionary(), clusters.ToFrozenDictionary(StringComparer.Ordinal))
        {
            Notes = notes,
            AuthorizationPolicies = AuthorizationScope.Select(documents, identity),
        };
    }

    /// <summary>Istio's cluster name: <c>outbound|port|subset|fqdn</c>, the port empty when no route named one.</summary>
    public static string ClusterName(ServiceKey service, string? subset, int? port) =>
        $"outbound|{port?.ToString(CultureInfo.InvariantCulture)}|{subset}|{service.Fqdn}";

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

    private ValueList<RouteConfig> CompileRoutes(VirtualService service, string ns, Func<ServiceKey, string?, int?, string> clusterFor, Func<ServiceKey, int[]> servicePorts)
    {
        var routes = new List<RouteConfig>();
        for (var r = 0; r < service.Spec.Http.Count; r++)
        {
            var route = service.Spec.Http[r];

            // sourceLabels and sourceNamespace are facts about this caller, so they are decided here, once.
            var matches = route.Match.Where(AppliesToCaller).ToArray();
            if (route.Match.Count > 0 && matches.Length == 0)
            {
                continue; // no match block can apply to this caller
            }

            var clusters = route.Route.Select(d => clusterFor(ServiceKey.Parse(d.Destination.Host, ns), d.Destination.Subset, d.Destination.Port)).ToArray();

            // A destination without a port goes to the port the request names (Istio: the listener's port), when its service names that port.
            var ports = new List<PortCluster>();
            for (var d = 0; d < route.Route.Count; d++)
            {
                var destination = route.Route[d].Destination;
                if (destination.Port is null)
                {
                    var key = ServiceKey.Parse(destination.Host, ns);
                    ports.AddRange(servicePorts(key).Select(p => new PortCluster(d, p, clusterFor(key, destination.Subset, p))));
                }
            }

            var http = matches.Length == route.Match.Count ? route : route with { Match = new ValueList<HttpMatchRequest>(matches) };
            routes.Add(new RouteConfig(route.Name ?? $"{service.Metadata.Name}.http[{r}]", http, new ValueList<string>(clusters), ports.Count == 0 ? null : new ValueList<PortCluster>([.. ports])));
        }

        return new ValueList<RouteConfig>([.. routes]);
    }

    /// <summary>A match block applies to this caller: its gateways (if any) include mesh, and its source conditions are this caller's.</summary>
    private bool AppliesToCaller(HttpMatchRequest match) =>
        (match.Gateways.Count == 0 || match.Gateways.Contains(VirtualService.MeshGateway)) &&
        match.SourceLabels.All(l => identity.Labels.TryGetValue(l.Key, out var v) && v == l.Value) &&
        (match.SourceNamespace is null || match.SourceNamespace == identity.Namespace);

    private static ClusterConfig BuildCluster(
        string name,
        ServiceKey service,
        string? subsetName,
        int? port,
        IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances,
        Dictionary<ServiceKey, DestinationRule> rules,
        bool isCold,
        string trustDomain)
    {
        rules.TryGetValue(service, out var rule);
        var subset = subsetName is null ? null : rule?.Spec.Subsets.FirstOrDefault(s => s.Name == subsetName);
        var all = instances.TryGetValue(service, out var list) ? list : [];

        // A port that instances of the service name is theirs alone, at their own port for it (a Kubernetes Service
        // port's endpoints); any other port, or none, is every instance at its main port.
        var named = port is { } p && all.Any(i => i.TargetPortFor(p) is not null);
        var selected = all
            .Where(i => subset is null || subset.Labels.All(l => i.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Select(i => (Instance: i, Port: named ? i.TargetPortFor(port!.Value) : i.Port))
            .Where(m => m.Port is not null)
            .OrderBy(m => m.Instance.Address, StringComparer.Ordinal)
            .ThenBy(m => m.Port)
            .ToArray();
        var instancesIn = selected.Select(m => m.Instance).ToArray();
        var members = selected
            .Select(m => new EndpointConfig(m.Instance.Id, m.Instance.Address, m.Port!.Value, m.Instance.Healthy ? EndpointHealth.Healthy : EndpointHealth.Unhealthy))
            .ToArray();

        // A subset's trafficPolicy overrides the rule's field by field (loadBalancer, connectionPool, outlierDetection).
        var policy = new TrafficPolicy
        {
            LoadBalancer = subset?.TrafficPolicy?.LoadBalancer ?? rule?.Spec.TrafficPolicy?.LoadBalancer,
            ConnectionPool = subset?.TrafficPolicy?.ConnectionPool ?? rule?.Spec.TrafficPolicy?.ConnectionPool,
            OutlierDetection = subset?.TrafficPolicy?.OutlierDetection ?? rule?.Spec.TrafficPolicy?.OutlierDetection,
        };
        var tls = ResolveTls(service, port, subset?.TrafficPolicy, rule?.Spec.TrafficPolicy, instancesIn, trustDomain);
        return new ClusterConfig(name, service, subsetName, port, policy, new ValueList<EndpointConfig>(members), isCold, tls);
    }

    /// <summary>
    /// The cluster's TLS as Istio resolves it: the port's tls over the policy's, the subset's over the rule's; with none set,
    /// auto mTLS (ISTIO_MUTUAL when every instance carries <c>security.istio.io/tlsMode: istio</c>, else plaintext).
    /// ISTIO_MUTUAL expects the rule's subjectAltNames, else the SPIFFE IDs of the instances' service accounts.
    /// </summary>
    private static UpstreamTls? ResolveTls(ServiceKey service, int? port, TrafficPolicy? subsetPolicy, TrafficPolicy? rulePolicy, ServiceInstance[] instances, string trustDomain)
    {
        // Port-level settings match the cluster's port, or the instances' one port when no route named a port.
        var ports = instances.Select(i => i.Port).Distinct().ToArray();
        var effectivePort = port ?? (ports.Length == 1 ? ports[0] : null);
        static ClientTlsSettings? AtPort(TrafficPolicy? policy, int? p) =>
            p is null ? null : policy?.PortLevelSettings.FirstOrDefault(s => s.Port == p)?.Tls;

        var tls = AtPort(subsetPolicy, effectivePort) ?? subsetPolicy?.Tls ?? AtPort(rulePolicy, effectivePort) ?? rulePolicy?.Tls;
        var auto = false;
        if (tls is null)
        {
            if (instances.Length == 0 || !instances.All(i => i.Labels.TryGetValue(ServiceInstance.TlsModeLabel, out var mode) && mode == "istio"))
            {
                return null;
            }

            tls = new ClientTlsSettings { Mode = ClientTlsSettings.IstioMutual };
            auto = true;
        }

        var mode = tls.Mode ?? ClientTlsSettings.Disable;
        if (mode == ClientTlsSettings.Disable)
        {
            return null;
        }

        var sans = tls.SubjectAltNames.Count > 0 || mode != ClientTlsSettings.IstioMutual
            ? tls.SubjectAltNames
            : instances.Select(i => i.ServiceAccount ?? service.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(sa => $"spiffe://{trustDomain}/ns/{(service.Namespace.Length == 0 ? "default" : service.Namespace)}/sa/{sa}").ToArray();
        return new UpstreamTls(mode, new ValueList<string>([.. sans]), tls.Sni ?? service.Fqdn, tls.CaCertificates, tls.ClientCertificate, tls.PrivateKey, tls.InsecureSkipVerify == true, auto);
    }
}
