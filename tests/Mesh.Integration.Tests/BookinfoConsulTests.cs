using System.Net;
using System.Text.RegularExpressions;
using Bookinfo;
using Mesh.Cli;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Integration.Tests;

/// <summary>Istio's walkthrough on Bookinfo with the Consul registry, driven by meshctl.</summary>
public sealed partial class BookinfoConsulTests(ConsulFixture consul) : IClassFixture<ConsulFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Networking(string file) => Path.Combine(AppContext.BaseDirectory, "networking", file);

    [Fact]
    public async Task Walkthrough_MeshctlApplyChangesLiveRouting_AndAStoppedInstanceLeavesRotation()
    {
        await using var app = await BookinfoApp.StartAsync(new BookinfoOptions
        {
            ProductPagePort = 0,
            Registry = "consul",
            ConsulAddress = consul.Agent.Address,
            StateDirectory = Directory.CreateTempSubdirectory("bookinfo-state-").FullName,
            CaDirectory = Directory.CreateTempSubdirectory("bookinfo-ca-").FullName,
        }, Ct);
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = app.ProductPageUrl };
        var productpage = app.ProductPage.App.Services.GetRequiredService<MeshSnapshotProvider>();

        // Every instance registered itself; with no rules, productpage round robins over v1, v2 and v3.
        await Wait.UntilAsync(async () => (await LoadAsync(browser, 9)).Keys.Count == 3, "productpage to reach all three reviews versions through Consul", TimeSpan.FromSeconds(30));

        await ApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        await Wait.UntilAsync(() => productpage.Current.Documents.Count == 8, "productpage to apply destination-rule-all and all-v1");
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, await LoadAsync(browser, 20));

        await ApplyAsync("virtual-service-reviews-50-v3.yaml");
        await Wait.UntilAsync(async () => (await LoadAsync(browser, 10)).ContainsKey("v3"), "the 50/50 split to reach productpage");
        var split = await LoadAsync(browser, 200);
        Assert.Equal(["v1", "v3"], split.Keys.Order());
        Assert.InRange(split["v1"], 70, 130);

        await ApplyAsync("virtual-service-reviews-test-v2.yaml");
        using (var form = new FormUrlEncodedContent([new("username", "jason")]))
        {
            (await browser.PostAsync("login", form, Ct)).Dispose();
        }

        await Wait.UntilAsync(async () => (await LoadAsync(browser, 1)).ContainsKey("v2"), "jason to be routed to v2");
        Assert.Equal(new Dictionary<string, int> { ["v2"] = 10 }, await LoadAsync(browser, 10));

        // Stopping reviews v2 deregisters it: jason's route has no healthy upstream left, and the page says so.
        var v2 = app.Instances.Single(i => i.Service == "reviews" && i.Version == "v2");
        await app.StopInstanceAsync(v2);
        await Wait.UntilAsync(async () => !(await PageAsync(browser)).Contains("Reviews served by", StringComparison.Ordinal), "reviews v2 to leave rotation");
        Assert.Contains(global::Bookinfo.ProductPage.ReviewsUnavailable, await PageAsync(browser), StringComparison.Ordinal);
    }

    private async Task ApplyAsync(params string[] files)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var args = files.SelectMany(f => new[] { "-f", Networking(f) }).Concat(["--consul", consul.Agent.Address]).ToArray();
        var code = await MeshCtl.RunAsync(["apply", .. args], new StringReader(""), output, error, Ct);
        Assert.True(code == 0, $"meshctl apply failed ({code}): {error}");
    }

    private static async Task<string> PageAsync(HttpClient browser)
    {
        using var response = await browser.GetAsync("productpage", Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task<Dictionary<string, int>> LoadAsync(HttpClient browser, int count)
    {
        var served = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var match = ServedBy().Match(await PageAsync(browser));
            var version = match.Success ? match.Groups[1].Value : "none";
            served[version] = served.GetValueOrDefault(version) + 1;
        }

        return served;
    }

    [GeneratedRegex(@"Reviews served by: reviews-(v\d)-")]
    private static partial Regex ServedBy();
}
