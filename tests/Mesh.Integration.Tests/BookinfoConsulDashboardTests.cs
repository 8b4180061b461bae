using System.Text.Json;
using Bookinfo;
using Mesh.Cli;

namespace Mesh.Integration.Tests;

/// <summary>Mesh.Server's dashboard on the Consul registry: the instances Consul lists are scraped, and config applied with meshctl reaches the page and every instance.</summary>
public sealed class BookinfoConsulDashboardTests(ConsulFixture consul) : IClassFixture<ConsulFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_OnConsul_ShowsTheGraph_AndConfigAppliedWithMeshctl()
    {
        await using var app = await BookinfoApp.StartAsync(new BookinfoOptions
        {
            ProductPagePort = 0,
            Registry = "consul",
            ConsulAddress = consul.Agent.Address,
            StateDirectory = Directory.CreateTempSubdirectory("bookinfo-state-").FullName,
            Dashboard = true,
        }, Ct);
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var load = BookinfoLoad.RunAsync(app.ProductPageUrl, 20, TimeProvider.System, stopLoad.Token);
        using var http = new HttpClient { BaseAddress = app.Dashboard!.Url };

        // No rules: productpage round robins over the three reviews versions, all found in Consul's catalog.
        await Wait.UntilAsync(
            async () =>
            {
                using var graph = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/graph", UriKind.Relative), Ct));
                var edges = graph.RootElement.GetProperty("edges").EnumerateArray()
                    .Where(e => e.GetProperty("requestsPerSecond").GetDouble() > 0)
                    .Select(e => $"{e.GetProperty("source").GetString()}->{e.GetProperty("target").GetString()}")
                    .ToHashSet();
                return new[] { "app:productpage:v1->svc:reviews", "svc:reviews->app:reviews:v1", "svc:reviews->app:reviews:v2", "svc:reviews->app:reviews:v3", "svc:ratings->app:ratings:v1" }.All(edges.Contains);
            },
            "the dashboard's graph to show productpage -> reviews v1, v2, v3 -> ratings from the instances in Consul",
            TimeSpan.FromSeconds(60));

        using (var output = new StringWriter())
        using (var error = new StringWriter())
        {
            var file = Path.Combine(AppContext.BaseDirectory, "networking", "destination-rule-all.yaml");
            Assert.Equal(0, await MeshCtl.RunAsync(["apply", "-f", file, "--consul", consul.Agent.Address], new StringReader(""), output, error, Ct));
        }

        await Wait.UntilAsync(
            async () =>
            {
                using var services = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/services", UriKind.Relative), Ct));
                var reviews = services.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "reviews");
                return reviews.GetProperty("config").GetArrayLength() == 1
                    && services.RootElement.EnumerateArray().SelectMany(s => s.GetProperty("instances").EnumerateArray())
                        .All(i => i.GetProperty("configInSync").ValueKind == JsonValueKind.True);
            },
            "the DestinationRule applied with meshctl to show under reviews, and every instance to run the server's config",
            TimeSpan.FromSeconds(30));

        await stopLoad.CancelAsync();
        Assert.True(await load > 0);
    }
}
