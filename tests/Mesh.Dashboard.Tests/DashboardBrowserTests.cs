using System.Diagnostics;
using System.Text.Json;
using Bookinfo;
using Microsoft.Playwright;

namespace Mesh.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium driven by Playwright) while Bookinfo serves steady traffic:
/// the graph shows productpage → reviews (v1, v2, v3) → ratings with non-zero rates, and a config change, applied and
/// rejected, appears on the page. Leaves a screenshot in the test's output directory, and in docs/images/dashboard.png
/// (the one docs/dashboard.md shows) when MESH_UPDATE_DOCS=1.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private static readonly TimeSpan GraphTimeout = TimeSpan.FromSeconds(45);

    // The edges of productpage → reviews v1, v2, v3 → ratings, as the graph names them (workload → service → workload).
    private static readonly (string Source, string Target)[] BookinfoEdges =
    [
        ("app:productpage:v1", "svc:reviews"),
        ("svc:reviews", "app:reviews:v1"),
        ("svc:reviews", "app:reviews:v2"),
        ("svc:reviews", "app:reviews:v3"),
        ("app:reviews:v2", "svc:ratings"),
        ("app:reviews:v3", "svc:ratings"),
        ("svc:ratings", "app:ratings:v1"),
    ];

    private readonly string _config = Directory.CreateTempSubdirectory("dashboard-config-").FullName;
    private readonly CancellationTokenSource _stopLoad = new();
    private BookinfoApp _bookinfo = null!;
    private Task<long> _load = null!;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        File.Copy(Networking("destination-rule-all.yaml"), Path.Combine(_config, "destination-rule-all.yaml"));
        _bookinfo = await BookinfoApp.StartAsync(
            new BookinfoOptions { ProductPagePort = 0, ConfigDirectory = _config, Dashboard = true },
            TestContext.Current.CancellationToken);
        _load = BookinfoLoad.RunAsync(_bookinfo.ProductPageUrl, 20, TimeProvider.System, _stopLoad.Token);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,

            // This machine's network is closed: Chromium's own background connections would be refused, many at a time.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await _stopLoad.CancelAsync();
        var sent = await _load;
        Assert.True(sent > 0, "the load generator sent no request");
        _stopLoad.Dispose();
        await _bookinfo.DisposeAsync();
        Directory.Delete(_config, recursive: true);
    }

    [Fact]
    public async Task Graph_ShowsBookinfoWithRates_AndConfigChangesAppear()
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });
        var dashboard = _bookinfo.Dashboard ?? throw new InvalidOperationException("Bookinfo started without its dashboard");
        await page.GotoAsync(dashboard.Url.ToString());

        // 1. The graph: every edge of productpage → reviews v1/v2/v3 → ratings drawn with a non-zero rate.
        var edges = await PollAsync(
            async () =>
            {
                var drawn = await ReadEdgesAsync(page);
                return BookinfoEdges.All(e => drawn.TryGetValue(e, out var rps) && rps > 0) ? drawn : null;
            },
            "the graph to show productpage → reviews v1, v2, v3 → ratings with non-zero rates",
            async () => string.Join(", ", (await ReadEdgesAsync(page)).Select(e => $"{e.Key.Source}->{e.Key.Target}={e.Value:0.##}")));
        Assert.All(BookinfoEdges, e => Assert.True(edges[e] > 0, $"{e.Source} -> {e.Target}"));
        foreach (var node in new[] { "productpage v1", "reviews v1", "reviews v2", "reviews v3", "ratings v1" })
        {
            Assert.Contains(node, await page.Locator("#graph").TextContentAsync() ?? "");
        }

        // Every instance answers /metrics and runs the server's config.
        await PollAsync(
            async () => await page.Locator("#services td:text-is('in sync')").CountAsync() == 6 ? (object)true : null,
            "all six instances to show their config in sync with the server's",
            async () => await page.Locator("#services").InnerTextAsync());
        // The rate is the load's: 20 requests a second into productpage, and as many from it to reviews (with slack for a busy machine).
        await PollAsync(
            async () => (await ReadEdgesAsync(page)).GetValueOrDefault(("app:productpage:v1", "svc:reviews")) is > 14 and < 26 ? (object)true : null,
            "productpage -> reviews to show about 20 requests per second (the load)",
            async () => string.Join(", ", (await ReadEdgesAsync(page)).Select(e => $"{e.Key.Source}->{e.Key.Target}={e.Value:0.##}")));
        var screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
        Assert.True(screenshot.Length > 10_000, $"the screenshot is {screenshot.Length} bytes");
        if (Environment.GetEnvironmentVariable("MESH_UPDATE_DOCS") == "1")
        {
            await File.WriteAllBytesAsync(DocsScreenshotPath(), screenshot, TestContext.Current.CancellationToken);
        }

        // 2. A config change: reviews all to v3 (Istio's virtual-service-reviews-v3.yaml) appears in the config and under reviews.
        var before = await page.Locator("#generation").InnerTextAsync();
        File.Copy(Networking("virtual-service-reviews-v3.yaml"), Path.Combine(_config, "virtual-service-reviews-v3.yaml"));
        await PollAsync(
            async () => await page.Locator("#documents tr[data-document='VirtualService/reviews']").CountAsync() == 1
                && await page.Locator("#services [data-service='reviews']").InnerTextAsync() is { } reviews && reviews.Contains("VirtualService default/reviews", StringComparison.Ordinal) | reviews.Contains("VirtualService reviews", StringComparison.Ordinal)
                ? (object)true
                : null,
            "the VirtualService reviews to appear in the config and under the service reviews",
            async () => await page.Locator("#config").InnerTextAsync());
        Assert.NotEqual(before, await page.Locator("#generation").InnerTextAsync());

        // 3. A rejected update: its errors are shown, and the config in force stays.
        await File.WriteAllTextAsync(Path.Combine(_config, "broken.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: details
            spec:
              hosts: [details]
              http:
              - route:
                - destination:
                    host: details
                    subset: v9
            """, TestContext.Current.CancellationToken);
        await PollAsync(
            async () => (await page.Locator("#last-rejection").InnerTextAsync()).Contains("v9", StringComparison.Ordinal) ? (object)true : null,
            "the rejected update and its error naming subset v9 to appear",
            async () => await page.Locator("#last-rejection").InnerTextAsync());
        Assert.Equal(1, await page.Locator("#documents tr[data-document='VirtualService/reviews']").CountAsync());
    }

    private static async Task<Dictionary<(string Source, string Target), double>> ReadEdgesAsync(IPage page)
    {
        var json = await page.EvaluateAsync<string>(
            "() => JSON.stringify([...document.querySelectorAll('#graph g.edge')].map(g => [g.dataset.source, g.dataset.target, Number(g.dataset.rps)]))");
        var result = new Dictionary<(string, string), double>();
        foreach (var edge in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            result[(edge[0].GetString()!, edge[1].GetString()!)] = edge[2].GetDouble();
        }

        return result;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe, string what, Func<Task<string>> describe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed > GraphTimeout)
            {
                Assert.Fail($"Waited {GraphTimeout.TotalSeconds} s for {what}; the page shows: {await describe()}");
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM_BIN") is { Length: > 0 } set ? set : "/usr/bin/chromium";
        Assert.True(File.Exists(path), $"Chromium not found at {path}: run scripts/install-chromium.sh (scripts/test.sh does) or set CHROMIUM_BIN.");
        return path;
    }

    private static string Networking(string file) => Path.Combine(AppContext.BaseDirectory, "networking", file);

    private static string DocsScreenshotPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
        {
            dir = dir.Parent;
        }

        var images = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "docs", "images");
        Directory.CreateDirectory(images);
        return Path.Combine(images, "dashboard.png");
    }
}
