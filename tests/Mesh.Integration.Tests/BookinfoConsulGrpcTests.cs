using System.Net;
using Bookinfo;
using Mesh.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Integration.Tests;

/// <summary>Bookinfo on Consul with reviews calling ratings over gRPC: ratings' gRPC port registered as Meta <c>port-grpc-ratings</c>.</summary>
public sealed class BookinfoConsulGrpcTests(ConsulFixture consul) : IClassFixture<ConsulFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RatingsOverGrpc_NamedPortFromConsulMeta_JasonSeesStarsThenTheAbort()
    {
        await using var app = await BookinfoApp.StartAsync(new BookinfoOptions
        {
            ProductPagePort = 0,
            Registry = "consul",
            ConsulAddress = consul.Agent.Address,
            RatingsProtocol = BookinfoOptions.Grpc,
            StateDirectory = Directory.CreateTempSubdirectory("bookinfo-state-").FullName,
            CaDirectory = Directory.CreateTempSubdirectory("bookinfo-ca-").FullName,
        }, Ct);
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = app.ProductPageUrl };
        var ratings = app.Instances.Single(i => i.Service == "ratings");
        var calls = ratings.App.Services.GetRequiredService<RatingsCalls>();

        await ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml");
        using (var form = new FormUrlEncodedContent([new("username", "jason")]))
        {
            (await browser.PostAsync("login", form, Ct)).Dispose();
        }

        // jason: reviews v2, whose gRPC call reaches ratings' gRPC port, known from its Consul Meta.
        await Wait.UntilAsync(async () => (await PageAsync(browser)).Contains("★★★★★", StringComparison.Ordinal), "jason's page to show reviews v2's stars from ratings over gRPC", TimeSpan.FromSeconds(30));
        Assert.True(calls.Grpc > 0, "ratings answered no gRPC call");
        Assert.Equal(0, calls.Http);

        await ApplyAsync("virtual-service-ratings-test-abort.yaml");
        await Wait.UntilAsync(async () => (await PageAsync(browser)).Contains(Reviews.RatingsUnavailable, StringComparison.Ordinal), "jason's ratings call to be aborted");
    }

    private async Task ApplyAsync(params string[] files)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var args = files.SelectMany(f => new[] { "-f", Path.Combine(AppContext.BaseDirectory, "networking", f) }).Concat(["--consul", consul.Agent.Address]).ToArray();
        var code = await MeshCtl.RunAsync(["apply", .. args], new StringReader(""), output, error, Ct);
        Assert.True(code == 0, $"meshctl apply failed ({code}): {error}");
    }

    private static async Task<string> PageAsync(HttpClient browser)
    {
        using var response = await browser.GetAsync("productpage", Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
