using System.Text.Json;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Server.Dashboard;
using Mesh.Server.Tests.Support;
using Mesh.Server.Xds;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Server.Tests.Dashboard;

/// <summary>The scraper against real HTTP servers on loopback: rates from what they answer, and failing instances shown as such.</summary>
public sealed class MetricsScraperTests
{
    private static async Task<(MetricsScraper Scraper, XdsStateStore Store)> ScraperAsync(FakeTimeProvider time, DashboardOptions options, params (string Version, int Port)[] instances)
    {
        var key = new ServiceKey("reviews", "default");
        var source = new FakeStateSource();
        source.Set(new MeshState([], [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>
        {
            [key] = [.. instances.Select(i => new ServiceInstance(key, $"reviews-{i.Version}", "127.0.0.1", i.Port, new Dictionary<string, string> { ["version"] = i.Version }))],
        }));
        var store = new XdsStateStore(source, Options.Create(new MeshOptions()), time, NullLogger<XdsStateStore>.Instance);
        Assert.True(await store.ReloadAsync(initial: true, TestContext.Current.CancellationToken));
        return (new MetricsScraper(store, time, Options.Create(options), NullLogger<MetricsScraper>.Instance), store);
    }

    private static string Requests(int count) =>
        $"istio_requests_total{{reporter=\"destination\",destination_service_name=\"reviews\",destination_version=\"v1\",response_code=\"200\"}} {count}\n";

    [Fact]
    public async Task ScrapeAll_RatesFromAnsweringInstances_AndFailingOnesShownAsSuch()
    {
        await using var good = await MetricsBackend.StartAsync();
        await using var broken = await MetricsBackend.StartAsync();
        await using var huge = await MetricsBackend.StartAsync();
        await using var garbage = await MetricsBackend.StartAsync();
        broken.Status = 500;
        huge.Body = new string('#', 2 * 1024 * 1024);
        garbage.Body = "istio_requests_total{reporter=\"destination\" 12\n\0\0\0 not prometheus";
        var time = new FakeTimeProvider();
        var (scraper, store) = await ScraperAsync(time, new DashboardOptions { MaxResponseBytes = 1024 * 1024 }, ("v1", good.Port), ("v2", broken.Port), ("v3", huge.Port), ("v4", garbage.Port));
        using var _ = scraper;
        using var __ = store;

        good.Body = Requests(100);
        await scraper.ScrapeAllAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(4));
        good.Body = Requests(140);
        await scraper.ScrapeAllAsync(TestContext.Current.CancellationToken);

        var edge = Assert.Single(scraper.History.GetEdges(time.GetUtcNow()));
        Assert.Equal(10, edge.RequestsPerSecond, 6);
        Assert.Null(scraper.StatusOf("reviews.default.svc.cluster.local/reviews-v1")!.Error);
        Assert.Contains("answered 500", scraper.StatusOf("reviews.default.svc.cluster.local/reviews-v2")!.Error, StringComparison.Ordinal);
        Assert.Contains("1048576 bytes", scraper.StatusOf("reviews.default.svc.cluster.local/reviews-v3")!.Error, StringComparison.Ordinal);
        var garbled = scraper.StatusOf("reviews.default.svc.cluster.local/reviews-v4")!;
        Assert.Null(garbled.Error);
        Assert.Equal(2, garbled.RejectedLines);

        var graph = DashboardEndpoints.Graph(scraper, time.GetUtcNow());
        Assert.Equal(1, graph.Nodes.Single(n => n.Id == "app:reviews:v2").Failing);
        Assert.Equal(1, graph.Nodes.Single(n => n.Id == "app:reviews:v3").Failing);
        Assert.Equal(0, graph.Nodes.Single(n => n.Id == "app:reviews:v1").Failing);
    }

    [Fact]
    public async Task ScrapeAll_AnInstanceThatNeverAnswers_FailsAfterTheTimeout_OnTheTimeProvider()
    {
        await using var silent = await MetricsBackend.StartAsync();
        silent.Hang = true;
        var time = new FakeTimeProvider();
        var (scraper, store) = await ScraperAsync(time, new DashboardOptions { ScrapeTimeout = TimeSpan.FromSeconds(2) }, ("v1", silent.Port));
        using var _ = scraper;
        using var __ = store;

        var round = scraper.ScrapeAllAsync(TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => silent.Requests == 1, "the scrape to reach the server");
        Assert.False(round.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        await round.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal("no answer within 2000 ms", scraper.StatusOf("reviews.default.svc.cluster.local/reviews-v1")!.Error);
    }

    [Fact]
    public async Task Api_ServesGraphServicesAndConfig_AsJson()
    {
        await using var backend = await MetricsBackend.StartAsync();
        var count = 0;
        using var config = new TempDirectory();
        config.Write("reviews.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: v1
            """);
        var settings = new Dictionary<string, string?>
        {
            ["Mesh:Static:ConfigDirectory"] = config.Path,
            ["Mesh:Static:Services:reviews:0:Address"] = "127.0.0.1",
            ["Mesh:Static:Services:reviews:0:Port"] = backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh:Static:Services:reviews:0:Labels:version"] = "v1",
            ["Dashboard:ScrapeInterval"] = "00:00:00.200",
        };
        await using var server = await TestMeshServer.StartAsync(settings);
        var serverHash = MeshConfigHash.Of(server.Store.Current.State.Documents);
        using var http = new HttpClient { BaseAddress = server.AdminAddress };

        // Each scrape sees 10 more requests; the instance runs the server's config.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var feeder = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                backend.Body = Requests(count += 10) + $"mesh_config_version{{config_hash=\"{serverHash}\"}} 3\n";
                await Task.Delay(100, TestContext.Current.CancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }, TestContext.Current.CancellationToken);

        JsonElement edge = default;
        await Wait.UntilAsync(
            async () =>
            {
                using var graph = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/graph", UriKind.Relative), TestContext.Current.CancellationToken));
                var edges = graph.RootElement.GetProperty("edges").EnumerateArray().ToArray();
                if (edges.Length == 1 && edges[0].GetProperty("requestsPerSecond").GetDouble() > 0)
                {
                    edge = edges[0].Clone();
                    return true;
                }

                return false;
            },
            "/api/graph to show the edge reviews -> reviews v1 with a rate");
        await cts.CancelAsync();
        await feeder;

        Assert.Equal("svc:reviews", edge.GetProperty("source").GetString());
        Assert.Equal("app:reviews:v1", edge.GetProperty("target").GetString());
        Assert.Equal(0, edge.GetProperty("errorRatio").GetDouble());
        Assert.Equal("none", edge.GetProperty("security").GetString());

        using var services = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/services", UriKind.Relative), TestContext.Current.CancellationToken));
        var reviews = Assert.Single(services.RootElement.EnumerateArray().ToArray());
        Assert.Equal("reviews", reviews.GetProperty("name").GetString());
        Assert.Equal(["v1 (version=v1)"], reviews.GetProperty("subsets").EnumerateArray().Select(s => s.GetString()));
        var instance = Assert.Single(reviews.GetProperty("instances").EnumerateArray().ToArray());
        Assert.Equal(serverHash, instance.GetProperty("configHash").GetString());
        Assert.True(instance.GetProperty("configInSync").GetBoolean());
        Assert.Equal(3, instance.GetProperty("configVersion").GetInt64());
        Assert.Equal("DestinationRule", Assert.Single(reviews.GetProperty("config").EnumerateArray().ToArray()).GetProperty("kind").GetString());

        // A refused update: the config API names it, with its errors; the documents in force stay.
        config.Write("bad.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination:
                    host: reviews
                    subset: v9
            """);
        JsonElement report = default;
        await Wait.UntilAsync(
            async () =>
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/config", UriKind.Relative), TestContext.Current.CancellationToken));
                report = doc.RootElement.Clone();
                return report.GetProperty("lastRejection").ValueKind == JsonValueKind.Object;
            },
            "/api/config to show the refused update");
        Assert.Contains(report.GetProperty("lastRejection").GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("v9", StringComparison.Ordinal));
        Assert.Equal(serverHash, report.GetProperty("configHash").GetString());
        Assert.Equal("reviews", Assert.Single(report.GetProperty("documents").EnumerateArray().ToArray()).GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Array, report.GetProperty("xdsClients").ValueKind);

        // The page itself: embedded, no external resource.
        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Contains("Service graph", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
    }
}
