using System.Globalization;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Registry.Consul;
using Mesh.Snapshot;

namespace Mesh.Cli;

/// <summary><c>meshctl describe service NAME</c>: its instances with labels and health, its subsets, and the routes compiled for its host.</summary>
internal static class DescribeCommand
{
    public static async Task<int> RunAsync(CommandLine line, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (line.Positional.Count != 2 || line.Positional[0] is not ("service" or "services" or "svc"))
        {
            return MeshCtl.Fail(stderr, "describe: use 'describe service NAME'");
        }

        var name = line.Positional[1];
        var service = ServiceKey.Parse(name, line.Namespace);
        using var client = line.CreateClient();
        var store = new ConfigStore(client, line.Prefix, line.Namespace);
        var (stored, configErrors) = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var documents = stored.Select(s => s.Document).ToList();

        // Instances of this service and of every destination its routes name, as a client would see them.
        var destinations = new HashSet<ServiceKey> { service };
        foreach (var vs in documents.OfType<VirtualService>())
        {
            var ns = vs.Metadata.Namespace ?? line.Namespace;
            if (vs.Spec.Hosts.Any(h => ServiceKey.Parse(h, ns) == service))
            {
                destinations.UnionWith(vs.Spec.Http.SelectMany(r => r.Route).Select(d => ServiceKey.Parse(d.Destination.Host, ns)));
            }
        }

        var all = new Dictionary<ServiceKey, ServiceEntry[]>();
        foreach (var destination in destinations)
        {
            all[destination] = (await client.GetHealthServiceAsync(destination.Name, passingOnly: false, 0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false)).Value;
        }

        var entries = all[service];
        var rule = documents.OfType<DestinationRule>().FirstOrDefault(d => ServiceKey.Parse(d.Spec.Host, d.Metadata.Namespace ?? line.Namespace) == service);
        var route = documents.OfType<VirtualService>().FirstOrDefault(v => v.Spec.Hosts.Any(h => ServiceKey.Parse(h, v.Metadata.Namespace ?? line.Namespace) == service));
        if (entries.Length == 0 && rule is null && route is null)
        {
            stderr.WriteLine($"error: service \"{name}\" not found: no instance in Consul's catalog and no VirtualService or DestinationRule for it");
            return MeshCtl.Invalid;
        }

        stdout.WriteLine($"Service:   {service.Name}");
        stdout.WriteLine($"Namespace: {service.Namespace}");
        stdout.WriteLine($"Host:      {service.Fqdn}");
        stdout.WriteLine();
        stdout.WriteLine($"Instances ({entries.Length}):");
        foreach (var entry in entries.OrderBy(e => e.Service.ID, StringComparer.Ordinal))
        {
            var address = string.IsNullOrEmpty(entry.Service.Address) ? entry.Node.Address : entry.Service.Address;
            var health = Health(entry);
            var labels = string.Join(",", (entry.Service.Meta ?? []).Where(m => m.Key != ConsulMeta.Namespace).Select(m => $"{m.Key}={m.Value}"));
            stdout.WriteLine($"  {entry.Service.ID,-28} {address}:{entry.Service.Port,-6} {health,-9} {labels}");
        }

        stdout.WriteLine();
        if (rule is null)
        {
            stdout.WriteLine("DestinationRule: none (no subsets; ROUND_ROBIN)");
        }
        else
        {
            stdout.WriteLine($"DestinationRule: {rule.Metadata.Name}");
            stdout.WriteLine($"  Load balancer: {Describe(rule.Spec.TrafficPolicy?.LoadBalancer)}");
            foreach (var subset in rule.Spec.Subsets)
            {
                var members = entries.Count(e => e.Checks.All(c => c.Status == "passing") && subset.Labels.All(l => (e.Service.Meta ?? []).TryGetValue(l.Key, out var v) && v == l.Value));
                var lb = subset.TrafficPolicy?.LoadBalancer is { } own ? $", load balancer {Describe(own)}" : "";
                stdout.WriteLine($"  Subset {subset.Name}: labels {string.Join(",", subset.Labels.Select(l => $"{l.Key}={l.Value}"))}; {members} healthy instance(s){lb}");
            }
        }

        stdout.WriteLine();
        var instances = all.ToDictionary(
            a => a.Key,
            a => (IReadOnlyList<ServiceInstance>)a.Value
                .Where(e => e.Checks.All(c => c.Status == "passing"))
                .Select(e => new ServiceInstance(a.Key, e.Service.ID, string.IsNullOrEmpty(e.Service.Address) ? e.Node.Address : e.Service.Address, e.Service.Port, e.Service.Meta ?? []))
                .ToArray());
        var compiler = new MeshSnapshotCompiler(MeshIdentity.Anonymous(line.Namespace));
        MeshSnapshot snapshot;
        try
        {
            snapshot = compiler.Compile(0, documents, instances);
        }
        catch (MeshConfigException ex)
        {
            stdout.WriteLine("Routes: the stored config is invalid, so clients keep their last good snapshot:");
            foreach (var error in ex.Errors.Concat(configErrors))
            {
                stdout.WriteLine($"  {error}");
            }

            return MeshCtl.Ok;
        }

        if (!snapshot.VirtualHosts.TryGetValue(service, out var routes))
        {
            stdout.WriteLine("Routes: none");
            return MeshCtl.Ok;
        }

        var virtualService = documents.OfType<VirtualService>().FirstOrDefault(v => v.DisplayName == routes.VirtualService);
        stdout.WriteLine(routes.VirtualService is null ? "Routes (no VirtualService; the default route):" : $"Routes (VirtualService {virtualService?.Metadata.Name ?? routes.VirtualService}; the first match wins):");
        foreach (var http in routes.Routes)
        {
            var matches = http.Http.Match.Count == 0 ? "any request" : string.Join(" OR ", http.Http.Match.Select(MatchText.Describe));
            stdout.WriteLine($"  {http.Name}: {matches}");
            // Weights are relative (Istio 1.15+): each destination's share of the route's total, in percent.
            var total = http.Http.Route.Count == 1 ? 1 : http.Http.Route.Sum(d => (long)(d.Weight ?? 0));
            for (var i = 0; i < http.Http.Route.Count; i++)
            {
                var share = http.Http.Route.Count == 1 ? 1 : (http.Http.Route[i].Weight ?? 0) / (double)Math.Max(total, 1);
                var weight = (share * 100).ToString("0.#", CultureInfo.InvariantCulture);
                var cluster = snapshot.Clusters[http.Clusters[i]];
                var healthy = cluster.Endpoints.Where(e => e.Health == EndpointHealth.Healthy).ToList();
                var endpoints = healthy.Count == 0 ? "no healthy endpoint" : string.Join(", ", healthy.Select(e => e.HostPort));
                stdout.WriteLine($"    {weight,3}% -> {cluster.Name} [{endpoints}]");
            }
        }

        return MeshCtl.Ok;
    }

    private static string Health(ServiceEntry entry) =>
        entry.Checks.Any(c => c.Status == "critical") ? "critical" : entry.Checks.Any(c => c.Status == "warning") ? "warning" : "passing";

    private static string Describe(LoadBalancerSettings? lb) => lb switch
    {
        null => "ROUND_ROBIN (default)",
        { ConsistentHash: { } hash } => $"consistent hash on {hash.HttpHeaderName ?? hash.HttpCookie?.Name ?? hash.HttpQueryParameterName ?? "source IP"}",
        { Simple: { } simple } => simple,
        _ => "ROUND_ROBIN (default)",
    };
}
