using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Mesh.Grpc.Tests;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// The mesh's span of a logical request, through the OpenTelemetry SDK (InMemory exporter): a client span under the
/// caller's, the parent of HttpClient's span of each attempt, with the route, cluster, subset, endpoint, attempts and
/// outcome as attributes; W3C trace context reaches the upstream from the attempt's span. Spans of other tests running
/// at the same time are told apart by trace id.
/// </summary>
public sealed class MeshTracingTests
{
    private static readonly ActivitySource Test = new("Mesh.Tests.Tracing");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_RetryThenOk_OneMeshSpan_ParentOfBothAttempts_TraceparentFromTheAttempt()
    {
        var exported = new ExportedSpans();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(Test.Name, MeshTelemetry.ActivitySourceName, "System.Net.Http")
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();
        await using var a = await TraceBackend.StartAsync(503);
        await using var b = await TraceBackend.StartAsync(200);
        await using var mesh = LiveMesh.Start(
            TestMesh.Yaml(
                "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews }\nspec:\n  host: reviews\n  trafficPolicy: { loadBalancer: { simple: RANDOM } }\n  subsets:\n  - { name: v1, labels: { version: v1 } }",
                TestMesh.VirtualService("reviews", "[reviews]", "- name: all\n  retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews, subset: v1 }")),
            [LiveMesh.Reviews(a.Port), LiveMesh.Reviews(b.Port)]);
        const string cluster = "outbound||v1|reviews.default.svc.cluster.local";
        var endpoints = mesh.Cluster(cluster).Endpoints;
        mesh.Random.Enqueue(Array.FindIndex(endpoints, e => e.Port == a.Port), 0, Array.FindIndex(endpoints, e => e.Port == b.Port));

        ActivityTraceId traceId;
        using (var root = Test.StartActivity("caller"))
        {
            traceId = root!.TraceId;
            using var response = await mesh.GetAsync("/reviews/1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        tracing.ForceFlush();
        var spans = exported.Where(s => s.TraceId == traceId).ToList();
        var caller = Assert.Single(spans, s => s.Source.Name == Test.Name);
        var request = Assert.Single(spans, s => s.Source.Name == MeshTelemetry.ActivitySourceName);
        Assert.Equal(MeshTelemetry.RequestActivityName, request.OperationName);
        Assert.Equal(ActivityKind.Client, request.Kind);
        Assert.Equal(caller.SpanId, request.ParentSpanId);
        Assert.Equal("GET", request.GetTagItem("http.request.method"));
        Assert.Equal(200, request.GetTagItem("http.response.status_code"));
        Assert.Equal("all", request.GetTagItem("mesh.route"));
        Assert.Equal(cluster, request.GetTagItem("mesh.cluster"));
        Assert.Equal("v1", request.GetTagItem("mesh.subset"));
        Assert.Equal("reviews.default.svc.cluster.local", request.GetTagItem("mesh.destination.service"));
        Assert.Equal($"127.0.0.1:{b.Port}", request.GetTagItem("network.peer.address"));
        Assert.Equal(2, request.GetTagItem("mesh.attempts"));
        Assert.Null(request.GetTagItem("mesh.response_flags"));
        Assert.Equal(ActivityStatusCode.Unset, request.Status);

        // HttpClient's span of each attempt, children of the mesh's span; each upstream saw its own attempt's span id.
        var attempts = spans.Where(s => s.Source.Name == "System.Net.Http").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, s => Assert.Equal(request.SpanId, s.ParentSpanId));
        Assert.Equal($"00-{traceId}-{attempts[0].SpanId}-01", Assert.Single(a.Traceparents));
        Assert.Equal($"00-{traceId}-{attempts[1].SpanId}-01", Assert.Single(b.Traceparents));
    }

    [Fact]
    public async Task Http_FaultAbort_SpanSaysFaultAndError()
    {
        var exported = new ExportedSpans();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(Test.Name, MeshTelemetry.ActivitySourceName).AddInMemoryExporter(exported).Build();
        await using var a = await TraceBackend.StartAsync(200);
        await using var mesh = LiveMesh.Start(
            TestMesh.VirtualService("reviews", "[reviews]", "- fault:\n    abort: { percentage: { value: 100 }, httpStatus: 503 }\n  route:\n  - destination: { host: reviews }"),
            [LiveMesh.Reviews(a.Port)]);

        ActivityTraceId traceId;
        using (var root = Test.StartActivity("caller"))
        {
            traceId = root!.TraceId;
            using var response = await mesh.GetAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        tracing.ForceFlush();
        var request = Assert.Single(exported, s => s.TraceId == traceId && s.Source.Name == MeshTelemetry.ActivitySourceName);
        Assert.Equal("abort", request.GetTagItem("mesh.fault"));
        Assert.Equal("FI", request.GetTagItem("mesh.response_flags"));
        Assert.Equal("FI", request.GetTagItem("error.type"));
        Assert.Equal(0, request.GetTagItem("mesh.attempts"));
        Assert.Equal(ActivityStatusCode.Error, request.Status);
    }

    [Fact]
    public async Task Grpc_Call_MeshSpanIsTheAncestorOfTheAttempt_TraceparentReachesTheServer()
    {
        var exported = new ExportedSpans();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(Test.Name, MeshTelemetry.ActivitySourceName, "System.Net.Http", "Grpc.Net.Client")
            .AddInMemoryExporter(exported)
            .Build();
        await using var backend = await GrpcBackend.StartAsync("a");
        await using var mesh = GrpcMesh.Start(GrpcYaml.Yaml(GrpcYaml.Rule(), GrpcYaml.AllTo("v1")), backend);

        ActivityTraceId traceId;
        using (var root = Test.StartActivity("caller"))
        {
            traceId = root!.TraceId;
            Assert.Equal("a", await mesh.SayAsync());
        }

        tracing.ForceFlush();
        var spans = exported.Where(s => s.TraceId == traceId).ToDictionary(s => s.SpanId);
        var caller = Assert.Single(spans.Values, s => s.Source.Name == Test.Name);
        var call = Assert.Single(spans.Values, s => s.Source.Name == MeshTelemetry.ActivitySourceName);
        Assert.Equal(caller.SpanId, call.ParentSpanId);
        Assert.Equal("mesh.test.v1.Echo/Say", call.GetTagItem("rpc.method"));
        Assert.Equal("grpc", call.GetTagItem("rpc.system"));
        Assert.Equal(0, call.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(GrpcYaml.ReviewsV1, call.GetTagItem("mesh.cluster"));
        Assert.Equal(1, call.GetTagItem("mesh.attempts"));

        var attempt = Assert.Single(spans.Values, s => s.Source.Name == "System.Net.Http");
        Assert.Contains(call.SpanId, Ancestors(attempt, spans));
        var traceparent = Assert.Single(backend.Received).Metadata["traceparent"];
        Assert.Equal($"00-{traceId}-{attempt.SpanId}-01", traceparent);
    }

    private static IEnumerable<ActivitySpanId> Ancestors(Activity span, Dictionary<ActivitySpanId, Activity> spans)
    {
        var parent = span.ParentSpanId;
        while (spans.TryGetValue(parent, out var next))
        {
            yield return parent;
            parent = next.ParentSpanId;
        }
    }

    /// <summary>A Kestrel upstream that answers one status and keeps the traceparent of each request.</summary>
    private sealed class TraceBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private TraceBackend(WebApplication app) => _app = app;

        public int Port { get; private set; }

        public ConcurrentQueue<string> Traceparents { get; } = new();

        public static async Task<TraceBackend> StartAsync(int status)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var backend = new TraceBackend(app);
            app.Run(context =>
            {
                backend.Traceparents.Enqueue(context.Request.Headers["traceparent"].ToString());
                context.Response.StatusCode = status;
                return Task.CompletedTask;
            });
            await app.StartAsync(Ct);
            backend.Port = new Uri(app.Urls.First()).Port;
            return backend;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(Ct);
            await _app.DisposeAsync();
        }
    }
}
