using System.Globalization;
using System.Net;
using Mesh.Server.Tests.Support;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests.XdsClient;

/// <summary>An HttpClient with <c>AddMesh()</c> in xDS mode, against a real Mesh.Server and real HTTP backends: routes by header and by weight.</summary>
public sealed class XdsClientHttpTests : IAsyncLifetime
{
    private const string Config = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: web
        spec:
          host: web
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: web
        spec:
          hosts:
          - web
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination:
                host: web
                subset: v2
          - route:
            - destination:
                host: web
                subset: v1
              weight: 25
            - destination:
                host: web
                subset: v2
              weight: 75
        """;

    private readonly TempDirectory _dir = new();
    private WebApplication _v1 = null!;
    private WebApplication _v2 = null!;

    public async ValueTask InitializeAsync()
    {
        _v1 = await StartBackendAsync("v1");
        _v2 = await StartBackendAsync("v2");
        _dir.Write("web.yaml", Config);
    }

    public async ValueTask DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task HttpClient_RoutesByHeader_AndSplitsByWeightExactly()
    {
        var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Mesh:Static:ConfigDirectory"] = _dir.Path };
        AddInstance(config, 0, _v1, "v1");
        AddInstance(config, 1, _v2, "v2");
        await using var server = await TestMeshServer.StartAsync(config);

        var bootstrap = Path.Combine(_dir.Path, "bootstrap.json");
        await File.WriteAllTextAsync(bootstrap, XdsClientModeTests.Bootstrap(server.XdsPort), TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Registry"] = "Xds",
            ["Mesh:Xds:Bootstrap"] = bootstrap,
            ["Mesh:Xds:SnapshotPath"] = Path.Combine(_dir.Path, "state.json"),
        });
        builder.Services.AddSingleton<IMeshRandom>(new CyclingRandom());
        builder.Services.AddMesh(_ => { });
        builder.Services.AddHttpClient("web").AddMesh();
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("web");

        // The first call subscribes to listener web:8080 and waits for its chain; then every call is routed.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["v1"] = 0, ["v2"] = 0 };
        for (var i = 0; i < 100; i++)
        {
            counts[await http.GetStringAsync(new Uri("http://web:8080/"), TestContext.Current.CancellationToken)]++;
        }

        // Weights 25/75 over a random that draws 0..99 in turn: exactly 25 and 75.
        Assert.Equal(25, counts["v1"]);
        Assert.Equal(75, counts["v2"]);

        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://web:8080/") { Headers = { { "end-user", "jason" } } };
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("v2", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    private static void AddInstance(Dictionary<string, string?> config, int index, WebApplication backend, string version)
    {
        var prefix = $"Mesh:Static:Services:web:{index.ToString(CultureInfo.InvariantCulture)}";
        config[$"{prefix}:Address"] = "127.0.0.1";
        config[$"{prefix}:Port"] = new Uri(backend.Urls.First()).Port.ToString(CultureInfo.InvariantCulture);
        config[$"{prefix}:Labels:version"] = version;
        config[$"{prefix}:Id"] = $"web-{version}";
    }

    private static async Task<WebApplication> StartBackendAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/", () => name);
        await app.StartAsync();
        return app;
    }

    /// <summary>Draws 0, 1, 2... for the weighted choice (Next(100)); 0 for every other draw (one endpoint per subset).</summary>
    private sealed class CyclingRandom : IMeshRandom
    {
        private int _next;

        public int Next(int maxExclusive) => maxExclusive == 100 ? Interlocked.Increment(ref _next) % 100 : 0;
    }
}
