using System.Text.Json;
using Mesh.Configuration;
using Mesh.Server.Xds;

namespace Mesh.Server.Dashboard;

/// <summary>
/// The dashboard on the admin port: the page at <c>/</c> (plain HTML, JavaScript and SVG, embedded, no external
/// resource), and its JSON: <c>/api/graph</c>, <c>/api/services</c>, <c>/api/config</c>.
/// </summary>
internal static class DashboardEndpoints
{
    private const string PageResource = "Mesh.Server.Dashboard.index.html";

    private static readonly JsonSerializerOptions DocumentJson = new() { WriteIndented = true };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", static () =>
        {
            using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(PageResource)
                ?? throw new InvalidOperationException($"The dashboard page {PageResource} is not embedded.");
            using var reader = new StreamReader(stream);
            return Results.Content(reader.ReadToEnd(), "text/html; charset=utf-8");
        });
        app.MapGet("/api/graph", static (MetricsScraper scraper, TimeProvider time) => Results.Json(Graph(scraper, time.GetUtcNow())));
        app.MapGet("/api/services", static (MetricsScraper scraper, XdsStateStore store) => Results.Json(Services(scraper, store)));
        app.MapGet("/api/config", static (XdsStateStore store, XdsClients clients) => Results.Json(Config(store, clients)));
    }

    public static GraphReport Graph(MetricsScraper scraper, DateTimeOffset now) =>
        GraphBuilder.Build(now, scraper.History.Window, scraper.Targets, scraper.StatusOf, scraper.History.GetEdges(now));

    public static IReadOnlyList<ServiceReport> Services(MetricsScraper scraper, XdsStateStore store)
    {
        var state = store.Current.State;
        var serverHash = MeshConfigHash.Of(state.Documents);
        var reports = new List<ServiceReport>();
        foreach (var (service, instances) in state.Instances.OrderBy(s => s.Key.Fqdn, StringComparer.Ordinal))
        {
            var rows = new List<InstanceReport>();
            foreach (var instance in instances.OrderBy(i => i.Id, StringComparer.Ordinal))
            {
                var key = $"{service.Fqdn}/{instance.Id}";
                var status = scraper.StatusOf(key);
                var metrics = scraper.History.Latest(key);
                rows.Add(new InstanceReport(
                    instance.Id,
                    instance.Labels.GetValueOrDefault("version") ?? "unknown",
                    instance.Address,
                    instance.Port,
                    instance.Healthy,
                    status?.At,
                    status?.Error,
                    metrics?.ConfigVersion,
                    metrics?.ConfigHash,
                    metrics?.ConfigHash is { } hash ? hash == serverHash : null,
                    metrics?.RejectedUpdates ?? 0));
            }

            var ns = store.DefaultNamespace;
            var rules = state.Documents.OfType<DestinationRule>().Where(d => Refers(d.Spec.Host, d.Metadata.Namespace ?? ns, service)).ToArray();
            var routes = state.Documents.OfType<VirtualService>().Where(v => v.Spec.Hosts.Any(h => Refers(h, v.Metadata.Namespace ?? ns, service))).ToArray();
            var ejections = new List<EjectionReport>();
            foreach (var target in scraper.Targets)
            {
                if (scraper.History.Latest(target.Key) is { } m)
                {
                    ejections.AddRange(m.Ejected.Where(e => e.Key.EndsWith("|" + service.Fqdn, StringComparison.Ordinal))
                        .Select(e => new EjectionReport(e.Key, $"{target.Service}-{target.Version} ({target.Id})", e.Value)));
                }
            }

            reports.Add(new ServiceReport(
                service.Name,
                service.Fqdn,
                rows,
                [.. rules.SelectMany(r => r.Spec.Subsets).Select(s => $"{s.Name} ({string.Join(", ", s.Labels.Select(l => $"{l.Key}={l.Value}"))})")],
                [.. routes.Cast<MeshDocument>().Concat(rules).Select(Document)],
                ejections));
        }

        return reports;
    }

    public static DashboardConfigReport Config(XdsStateStore store, XdsClients clients)
    {
        var generation = store.Current;
        var documents = generation.State.Documents;
        return new DashboardConfigReport(
            generation.Number,
            MeshConfigHash.Of(documents),
            [.. documents.Select(Document)],
            store.RejectedUpdates,
            store.LastRejection,
            clients.GetStatus());
    }

    private static bool Refers(string host, string documentNamespace, ServiceKey service) => ServiceKey.Parse(host, documentNamespace) == service;

#pragma warning disable IL2026, IL3050 // reflection-based JSON of the document records, for display
    private static DocumentReport Document(MeshDocument d) =>
        new(d.Kind, d.Metadata.Namespace, d.Metadata.Name, d.Source?.ToString(), MeshConfigHash.Of(d), JsonSerializer.Serialize(d with { Source = null }, d.GetType(), DocumentJson));
#pragma warning restore IL2026, IL3050
}
