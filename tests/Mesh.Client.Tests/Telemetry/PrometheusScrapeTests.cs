using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// What Prometheus scrapes from a meshed service through OpenTelemetry's Prometheus exporter
/// (OpenTelemetry.Exporter.Prometheus.AspNetCore) on real Kestrel: Istio's metric names, types, labels and duration
/// buckets exactly, so Istio's Grafana dashboards and Kiali's queries read Mesh unchanged. The exporter adds its own
/// <c>otel_scope_*</c> labels; those aside, the labels are Istio's, no more and no fewer.
/// </summary>
public sealed partial class PrometheusScrapeTests
{
    private const string Workload = "scrapetest";

    private static readonly string[] EnvoyBuckets = ["0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scrape_ClientAndServerRequests_IstiosNamesLabelsAndBuckets()
    {
        await using var reviews = await TestBackend.StartAsync("reviews");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = Workload,
            ["Mesh:Labels:app"] = Workload,
            ["Mesh:Labels:version"] = "v1",
            ["Mesh:Static:Services:reviews:0:Address"] = "127.0.0.1",
            ["Mesh:Static:Services:reviews:0:Port"] = reviews.Port.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddMesh();
        builder.Services.AddHttpClient("reviews").AddMesh();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeshTelemetry.MeterName).AddPrometheusExporter());
        await using var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        app.MapGet("/hello", static () => "hello");
        await app.StartAsync(Ct);
        var address = app.Urls.First();

        // One request out through the mesh (reporter=source), one in to this service (reporter=destination).
        var mesh = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("reviews");
        using (var response = await mesh.GetAsync("http://reviews:9080/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var plain = new HttpClient();
        Assert.Equal("hello", await plain.GetStringAsync(address + "/hello", Ct));

        var text = await plain.GetStringAsync(address + "/metrics", Ct);

        Assert.Contains("# TYPE istio_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE istio_request_duration_milliseconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE istio_request_bytes histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE istio_response_bytes histogram", text, StringComparison.Ordinal);

        var series = Parse(text);
        var source = Assert.Single(series, s => s.Name == "istio_requests_total" && s.Labels["reporter"] == "source" && s.Labels["source_workload"] == "scrapetest-v1");
        Assert.Equal(1, source.Value);
        var expected = IstioLabelSets.Client(
            ("source_workload", "scrapetest-v1"),
            ("source_app", Workload),
            ("source_canonical_service", Workload));
        IstioLabelSets.Equal(expected.ToDictionary(e => e.Key, e => (object?)(string?)e.Value), WithoutScope(source.Labels));

        var destination = Assert.Single(series, s => s.Name == "istio_requests_total" && s.Labels["reporter"] == "destination" && s.Labels["destination_service_name"] == Workload);
        Assert.Equal(1, destination.Value);
        IstioLabelSets.Equal(
            new Dictionary<string, object?>
            {
                ["reporter"] = "destination",
                ["source_workload"] = "unknown",
                ["source_workload_namespace"] = "unknown",
                ["source_principal"] = "unknown",
                ["source_app"] = "unknown",
                ["source_version"] = "unknown",
                ["source_cluster"] = "unknown",
                ["source_canonical_service"] = "unknown",
                ["source_canonical_revision"] = "unknown",
                ["destination_workload"] = "scrapetest-v1",
                ["destination_workload_namespace"] = "default",
                ["destination_principal"] = "unknown",
                ["destination_app"] = Workload,
                ["destination_version"] = "v1",
                ["destination_service"] = "scrapetest.default.svc.cluster.local",
                ["destination_service_name"] = Workload,
                ["destination_service_namespace"] = "default",
                ["destination_cluster"] = "unknown",
                ["destination_canonical_service"] = Workload,
                ["destination_canonical_revision"] = "v1",
                ["request_protocol"] = "http",
                ["response_code"] = "200",
                ["grpc_response_status"] = "",
                ["response_flags"] = "-",
                ["connection_security_policy"] = "none",
            },
            WithoutScope(destination.Labels));

        // The duration histogram: Envoy's buckets, in order, and its sum and count, under the source series' labels.
        var buckets = series.Where(s => s.Name == "istio_request_duration_milliseconds_bucket" && Same(s, source)).Select(s => s.Labels["le"]).ToList();
        Assert.Equal(EnvoyBuckets, buckets);
        Assert.Single(series, s => s.Name == "istio_request_duration_milliseconds_count" && Same(s, source) && s.Value == 1);
        Assert.Single(series, s => s.Name == "istio_request_duration_milliseconds_sum" && Same(s, source));
        Assert.Single(series, s => s.Name == "istio_request_bytes_count" && Same(s, source) && s.Value == 1);
        Assert.Single(series, s => s.Name == "istio_response_bytes_count" && Same(s, source) && s.Value == 1);
        Assert.Equal(
            ["1", "10", "100", "1000", "10000", "100000", "1000000", "10000000", "100000000", "1000000000", "+Inf"],
            series.Where(s => s.Name == "istio_response_bytes_bucket" && Same(s, source)).Select(s => s.Labels["le"]));

        await app.StopAsync(Ct);
    }

    private static bool Same(Series s, Series other) =>
        WithoutScope(other.Labels).All(l => s.Labels.TryGetValue(l.Key, out var v) && v == (string?)l.Value);

    private static Dictionary<string, object?> WithoutScope(Dictionary<string, string> labels) =>
        labels.Where(l => !l.Key.StartsWith("otel_scope_", StringComparison.Ordinal) && l.Key != "le").ToDictionary(l => l.Key, l => (object?)l.Value);

    /// <summary>Parses the text exposition format: <c>name{label="value",...} value [timestamp]</c>, comments skipped.</summary>
    private static List<Series> Parse(string text)
    {
        var series = new List<Series>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SeriesLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus series line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            series.Add(new Series(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return series;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SeriesLine();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex LabelPair();

    private sealed record Series(string Name, Dictionary<string, string> Labels, double Value);
}
