using System.Diagnostics.Metrics;
using System.Net;
using Mesh.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// Istio's request metrics as the HTTP handler reports them (reporter=source): one measurement per logical request,
/// after retries, with Istio's labels exactly, per outcome. A real mesh (AddMesh, static registry, IHttpClientFactory)
/// in front of real Kestrel backends, on a fake clock.
/// </summary>
public sealed class IstioMetricsHttpTests : IAsyncLifetime
{
    private TestBackend _a = null!;
    private TestBackend _b = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _a = await TestBackend.StartAsync("a");
        _b = await TestBackend.StartAsync("b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Success_CountedOnce_WithIstiosLabels_DurationAndSizes()
    {
        await using var mesh = Mesh("", Routes("- route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/") { Content = new StringContent("hello") };
        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var count = Assert.Single(metrics.Requests.GetMeasurementSnapshot());
        Assert.Equal(1, count.Value);
        IstioLabelSets.Equal(IstioLabelSets.Client(), count.Tags);
        var duration = Assert.Single(metrics.Duration.GetMeasurementSnapshot());
        Assert.Equal(0, duration.Value); // the fake clock did not move
        IstioLabelSets.Equal(IstioLabelSets.Client(), duration.Tags);
        Assert.Equal(5, Assert.Single(metrics.RequestBytes.GetMeasurementSnapshot()).Value);

        // Sizes come from Content-Length when the headers arrive: the backend's body is chunked, so its size is not known then.
        Assert.Equal(0, Assert.Single(metrics.ResponseBytes.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task RetryThenSuccess_CountedOnceAs200_TheRetryCountedApart()
    {
        _a.Status = 503;
        await using var mesh = Mesh(Rule("loadBalancer: { simple: RANDOM }"), Routes("- retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews }"));
        using var metrics = new Collectors(mesh);
        var (a, b) = (mesh.IndexOf(_a.Port), mesh.IndexOf(_b.Port));
        mesh.Random.Enqueue(a, 0, b);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((1, 1), (_a.Requests, _b.Requests));
        IstioLabelSets.Equal(IstioLabelSets.Client(), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        var retry = Assert.Single(metrics.Retries.GetMeasurementSnapshot());
        Assert.Equal(1, retry.Value);
        Assert.Equal(LiveMesh.ReviewsCluster, retry.Tags["cluster"]);
    }

    [Fact]
    public async Task RetriesUsedUp_LastStatus_URX()
    {
        _a.Status = 503;
        await using var mesh = Mesh("", Routes("- retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, _a.Requests);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "503"), ("response_flags", "URX")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        Assert.Equal(2, metrics.Retries.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task NoRouteMatched_503_NR()
    {
        await using var mesh = Mesh("", Routes("- match:\n  - headers: { end-user: { exact: jason } }\n  route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "503"), ("response_flags", "NR")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
    }

    [Fact]
    public async Task SubsetWithoutInstances_503_UH_WithTheSubsetsLabels()
    {
        await using var mesh = Mesh(
            TestMesh.ReviewsRule,
            Routes("- route:\n  - destination: { host: reviews, subset: v2 }"),
            _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        IstioLabelSets.Equal(
            IstioLabelSets.Client(
                ("response_code", "503"),
                ("response_flags", "UH"),
                ("destination_workload", "reviews-v2"),
                ("destination_version", "v2"),
                ("destination_canonical_revision", "v2")),
            Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
    }

    [Fact]
    public async Task Subset_DestinationVersionIsTheSubset()
    {
        await using var mesh = Mesh(TestMesh.ReviewsRule, Routes("- route:\n  - destination: { host: reviews, subset: v1 }"), _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        IstioLabelSets.Equal(
            IstioLabelSets.Client(("destination_workload", "reviews-v1"), ("destination_version", "v1"), ("destination_canonical_revision", "v1")),
            Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
    }

    [Fact]
    public async Task Overflow_503_UO_AndTheOverflowCounter()
    {
        _a.Hang = true;
        await using var mesh = Mesh(Rule("connectionPool: { http: { http2MaxRequests: 1 } }"), Routes("- route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        var first = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        using var second = await Eventually.CompletesAsync(mesh.GetAsync(), "the over-limit request to fail fast");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "503"), ("response_flags", "UO")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        Assert.Equal(LiveMesh.ReviewsCluster, Assert.Single(metrics.Overflows.GetMeasurementSnapshot()).Tags["cluster"]);

        _a.Hang = false;
        _a.Release();
        using var firstResponse = await Eventually.CompletesAsync(first, "the request in flight to be answered");
        Assert.Equal(2, metrics.Requests.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task RouteTimeout_504_UT_DurationIsTheTimeout()
    {
        _a.Hang = true;
        await using var mesh = Mesh("", Routes("- timeout: 2s\n  route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        var call = mesh.GetAsync();
        await _a.WaitForRequestsAsync(1);
        mesh.Time.Advance(TimeSpan.FromSeconds(2));
        using var response = await Eventually.CompletesAsync(call, "the route timeout's 504");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "504"), ("response_flags", "UT")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        Assert.Equal(2000, Assert.Single(metrics.Duration.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task FaultAbort_FI()
    {
        await using var mesh = Mesh("", Routes("- fault:\n    abort: { percentage: { value: 100 }, httpStatus: 500 }\n  route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(0, _a.Requests);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "500"), ("response_flags", "FI")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        Assert.Equal("fault filter abort".Length, Assert.Single(metrics.ResponseBytes.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task FaultDelay_DI_DurationIncludesTheDelay()
    {
        await using var mesh = Mesh("", Routes("- fault:\n    delay: { percentage: { value: 100 }, fixedDelay: 7s }\n  route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        var call = mesh.GetAsync();
        await mesh.Time.WaitForTimerAsync(TimeSpan.FromSeconds(7), "the fault delay to arm its 7 s timer");
        mesh.Time.Advance(TimeSpan.FromSeconds(7));
        using var response = await Eventually.CompletesAsync(call, "the delayed call");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_flags", "DI")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
        Assert.Equal(7000, Assert.Single(metrics.Duration.GetMeasurementSnapshot()).Value);
    }

    [Fact]
    public async Task ConnectionRefused_503_UF()
    {
        using var dead = DeadEndpoint.Refusing();
        await using var mesh = LiveMesh.Start(
            TestMesh.Yaml(Routes("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }")),
            [LiveMesh.Reviews(dead.Port)],
            settings: IstioLabelSets.Productpage);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        IstioLabelSets.Equal(IstioLabelSets.Client(("response_code", "503"), ("response_flags", "UF")), Assert.Single(metrics.Requests.GetMeasurementSnapshot()).Tags);
    }

    [Fact]
    public async Task HostNotInTheMesh_NotCounted()
    {
        await using var mesh = Mesh("", Routes("- route:\n  - destination: { host: reviews }"), _a);
        using var metrics = new Collectors(mesh);

        using var response = await mesh.Client.GetAsync($"http://127.0.0.1:{_b.Port}/", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(metrics.Requests.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task DotNetsPerAttemptDuration_TaggedWithTheDestinationServiceAndSubset()
    {
        await using var mesh = Mesh(TestMesh.ReviewsRule, Routes("- route:\n  - destination: { host: reviews, subset: v1 }"), _a);
        using var metrics = new Collectors(mesh);

        // The mesh's connection pools record on .NET's shared System.Net.Http meter; this test's are told apart by port.
        using var attempts = new MetricCollector<double>(null, "System.Net.Http", "http.client.request.duration");
        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var attempt = Assert.Single(attempts.GetMeasurementSnapshot(), m => Equals(m.Tags.GetValueOrDefault("server.port"), _a.Port));
        Assert.Equal("reviews.default.svc.cluster.local", attempt.Tags["mesh.destination.service"]);
        Assert.Equal("v1", attempt.Tags["mesh.destination.subset"]);
    }

    [Fact]
    public async Task AccessLog_On_OneEnvoyStyleLinePerRequest_WithTheFlags()
    {
        var settings = new Dictionary<string, string?>(IstioLabelSets.Productpage) { ["Mesh:AccessLog"] = "true" };
        await using var mesh = LiveMesh.Start(
            TestMesh.Yaml(Routes("- name: first\n  match:\n  - headers: { end-user: { exact: jason } }\n  route:\n  - destination: { host: reviews }")),
            [LiveMesh.Reviews(_a.Port)],
            b => b.AddMesh().Services.AddFakeLogging(),
            settings);
        var logs = mesh.Services.GetFakeLogCollector();

        using (var ok = await mesh.GetAsync("/reviews/1?x=1", ("end-user", "jason")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var noRoute = await mesh.GetAsync("/reviews/2"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, noRoute.StatusCode);
        }

        var lines = logs.GetSnapshot().Where(r => r.Category == AccessLog.Category).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal((800, Microsoft.Extensions.Logging.LogLevel.Information), (l.Id.Id, l.Level)));
        Assert.Matches($"^\\[[0-9T:.+-]+\\] \"GET /reviews/1\\?x=1 HTTP/1.1\" 200 - - 0 0 0 \"reviews:9080\" \"127.0.0.1:{_a.Port}\" outbound\\|\\|\\|reviews.default.svc.cluster.local first outbound$", lines[0].Message);
        Assert.Matches("^\\[[0-9T:.+-]+\\] \"GET /reviews/2 HTTP/1.1\" 503 NR - 0 16 0 \"reviews:9080\" \"-\" - - outbound$", lines[1].Message);
    }

    [Fact]
    public async Task AccessLog_Off_ByDefault()
    {
        await using var mesh = LiveMesh.Start(
            TestMesh.Yaml(Routes("- route:\n  - destination: { host: reviews }")),
            [LiveMesh.Reviews(_a.Port)],
            b => b.AddMesh().Services.AddFakeLogging());

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(mesh.Services.GetFakeLogCollector().GetSnapshot(), r => r.Category == AccessLog.Category);
    }

    [Fact]
    public async Task ClusterGauges_EndpointsByState_AndEjections()
    {
        _a.Status = 500;
        await using var mesh = Mesh(
            Rule("outlierDetection: { consecutive5xxErrors: 1, interval: 30s, baseEjectionTime: 30s, maxEjectionPercent: 100 }\nloadBalancer: { simple: RANDOM }"),
            Routes("- retries: { attempts: 0 }\n  route:\n  - destination: { host: reviews }"));
        var meters = mesh.Services.GetRequiredService<IMeterFactory>();
        using var endpoints = new MetricCollector<long>(meters, MeshTelemetry.MeterName, "mesh.cluster.endpoints");
        using var ejections = new MetricCollector<long>(meters, MeshTelemetry.MeterName, "mesh.outlier.ejections");

        endpoints.RecordObservableInstruments();
        Assert.Equal((2L, 0L, 0L), States(endpoints));

        // One 500 from a ejects it (consecutive5xxErrors: 1).
        mesh.Random.Enqueue(mesh.IndexOf(_a.Port));
        using (var response = await mesh.GetAsync())
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        endpoints.RecordObservableInstruments();
        ejections.RecordObservableInstruments();
        Assert.Equal((1L, 0L, 1L), States(endpoints));
        var ejected = ejections.GetMeasurementSnapshot().Last(m => Equals(m.Tags["cluster"], LiveMesh.ReviewsCluster));
        Assert.Equal(1, ejected.Value);
    }

    /// <summary>The last observation of the reviews cluster's endpoints: (healthy, unhealthy, ejected).</summary>
    private static (long, long, long) States(MetricCollector<long> endpoints)
    {
        var last = endpoints.GetMeasurementSnapshot().Where(m => Equals(m.Tags["cluster"], LiveMesh.ReviewsCluster)).TakeLast(3).ToDictionary(m => (string)m.Tags["state"]!, m => m.Value);
        return (last["healthy"], last["unhealthy"], last["ejected"]);
    }

    private LiveMesh Mesh(string rule, string virtualService, params TestBackend[] backends)
    {
        var instances = (backends.Length == 0 ? [_a, _b] : backends).Select(b => LiveMesh.Reviews(b.Port));
        return LiveMesh.Start(TestMesh.Yaml([.. new[] { rule, virtualService }.Where(d => d.Length > 0)]), instances, settings: IstioLabelSets.Productpage);
    }

    private static string Routes(string http) => TestMesh.VirtualService("reviews", "[reviews]", http);

    private static string Rule(string trafficPolicy) => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          trafficPolicy:
        {{string.Join('\n', trafficPolicy.Split('\n').Select(line => "    " + line))}}
        """;

    /// <summary>The mesh's instruments, collected from this mesh's meter only.</summary>
    private sealed class Collectors : IDisposable
    {
        public Collectors(LiveMesh mesh)
        {
            var meters = mesh.Services.GetRequiredService<IMeterFactory>();
            Requests = new(meters, MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);
            Duration = new(meters, MeshTelemetry.MeterName, MeshTelemetry.RequestDuration);
            RequestBytes = new(meters, MeshTelemetry.MeterName, MeshTelemetry.RequestBytes);
            ResponseBytes = new(meters, MeshTelemetry.MeterName, MeshTelemetry.ResponseBytes);
            Retries = new(meters, MeshTelemetry.MeterName, "mesh.client.retries");
            Overflows = new(meters, MeshTelemetry.MeterName, "mesh.circuit_breaker.overflows");
        }

        public MetricCollector<long> Requests { get; }

        public MetricCollector<double> Duration { get; }

        public MetricCollector<long> RequestBytes { get; }

        public MetricCollector<long> ResponseBytes { get; }

        public MetricCollector<long> Retries { get; }

        public MetricCollector<long> Overflows { get; }

        public void Dispose()
        {
            Requests.Dispose();
            Duration.Dispose();
            RequestBytes.Dispose();
            ResponseBytes.Dispose();
            Retries.Dispose();
            Overflows.Dispose();
        }
    }
}
