using System.Globalization;
using System.Net;
using Mesh.Configuration;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// What Mesh.Server's dashboard reads from a service's <c>/metrics</c> besides Istio's request metrics: the config in
/// force (<c>mesh_config_version</c> with the documents' fingerprint), and its own scrapes left uncounted.
/// </summary>
public sealed class MeshConfigMetricTests
{
    private const string Rule = """
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
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Hash_SameDocumentsFromAnywhere_Agree_AndAnyChangeDiffers()
    {
        var other = """
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
                    subset: v1
            """;
        var a = MeshDocumentParser.Parse(Rule + "\n---\n" + other, "a.yaml").Documents;
        var b = MeshDocumentParser.Parse("# moved down\n\n" + other + "\n---\n" + Rule, "elsewhere/b.yaml").Documents;
        var changed = MeshDocumentParser.Parse(Rule.Replace("version: v1", "version: v2", StringComparison.Ordinal) + "\n---\n" + other, "a.yaml").Documents;

        Assert.Equal(MeshConfigHash.Of(a), MeshConfigHash.Of(b));
        Assert.NotEqual(MeshConfigHash.Of(a), MeshConfigHash.Of(changed));
        Assert.Equal(MeshConfigHash.Of(a[0]), MeshConfigHash.Of(b[1]));
        Assert.Matches("^[0-9a-f]{16}$", MeshConfigHash.Of(a));
        Assert.NotEqual(MeshConfigHash.Of([]), MeshConfigHash.Of(a));
    }

    [Fact]
    public async Task Scrape_PublishesTheConfigFingerprint_AndScrapesAreNotCountedAsRequests()
    {
        var directory = Directory.CreateTempSubdirectory("mesh-config-metric-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "rule.yaml"), Rule, Ct);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mesh:Service"] = "scraped",
                ["Mesh:Static:ConfigDirectory"] = directory.FullName,
                ["Mesh:Static:Services:reviews:0:Address"] = "127.0.0.1",
                ["Mesh:Static:Services:reviews:0:Port"] = "9",
                ["Mesh:Static:Services:reviews:0:Labels:version"] = "v1",
            });
            builder.Services.AddMesh();
            // Other tests' hosts run in this process: keep this host's meters only (a meter listener sees the whole process).
            System.Diagnostics.Metrics.IMeterFactory? own = null;
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(MeshTelemetry.MeterName)
                .AddView(i => own is not null && ReferenceEquals(i.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
            await using var app = builder.Build();
            own = app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
            app.MapPrometheusScrapingEndpoint();
            app.MapGet("/hello", static () => "hello");
            await app.StartAsync(Ct);
            var address = app.Urls.First();
            using var http = new HttpClient();

            await http.GetStringAsync(address + "/metrics", Ct);
            var first = await http.GetStringAsync(address + "/metrics", Ct);
            Assert.Equal("hello", await http.GetStringAsync(address + "/hello", Ct));
            var second = await http.GetStringAsync(address + "/metrics", Ct);

            var documents = app.Services.GetRequiredService<MeshSnapshotProvider>().Current.Documents;
            var hash = MeshConfigHash.Of(documents);
            Assert.Matches($"(?m)^mesh_config_version\\{{[^}}]*config_hash=\"{hash}\"[^}}]*\\}} 1( |$)", first);
            Assert.DoesNotContain("\nistio_requests_total{", first, StringComparison.Ordinal);
            var counted = second.Split('\n').Where(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal)).ToArray();
            var line = Assert.Single(counted);
            Assert.Contains("reporter=\"destination\"", line, StringComparison.Ordinal);
            Assert.Equal("1", line[(line.LastIndexOf('}') + 2)..].Split(' ')[0]);
            await app.StopAsync(Ct);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
