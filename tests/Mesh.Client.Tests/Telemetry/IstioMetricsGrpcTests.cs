using Grpc.Core;
using Mesh.Grpc.Tests;
using Mesh.Grpc.Tests.Protos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Mesh.Grpc.Tests.GrpcYaml;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// Istio's request metrics of gRPC calls on a mesh channel (reporter=source): one per logical call, with the status the
/// caller sees (from the trailers, at the end of the stream for streaming calls) in <c>grpc_response_status</c>, and the
/// mesh's own failures named in <c>response_flags</c>. Real Grpc.AspNetCore backends on loopback.
/// </summary>
public sealed class IstioMetricsGrpcTests : IAsyncLifetime
{
    private GrpcBackend _a = null!;
    private GrpcBackend _b = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _a = await GrpcBackend.StartAsync("a");
        _b = await GrpcBackend.StartAsync("b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Unary_Ok_Status0_ToTheSubset()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        using var requests = Requests(mesh);

        Assert.Equal("a", await mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "0"), ("destination_workload", "reviews-v1"), ("destination_version", "v1"), ("destination_canonical_revision", "v1")), Single(requests));
    }

    [Theory]
    [InlineData(StatusCode.NotFound, "5")]
    [InlineData(StatusCode.PermissionDenied, "7")]
    public async Task Unary_UpstreamStatus_ReportedAsIs(StatusCode status, string expected)
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        using var requests = Requests(mesh);
        _a.FailNext(status);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(status, error.StatusCode);
        IstioLabelSets.Equal(Expected(("grpc_response_status", expected), ("destination_workload", "reviews-v1"), ("destination_version", "v1"), ("destination_canonical_revision", "v1")), Single(requests));
    }

    [Fact]
    public async Task Unary_RetryThenOk_CountedOnce_RetryCountedApart()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule("loadBalancer: { simple: RANDOM }"), Routes("- route: [{ destination: { host: reviews } }]\n  retries: { attempts: 2, retryOn: unavailable }")), _a, _b);
        await mesh.ConnectAsync(2);
        using var requests = Requests(mesh);
        using var retries = new MetricCollector<long>(mesh.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, "mesh.client.retries");
        var endpoints = mesh.Cluster(ReviewsAll).Endpoints;
        var (a, b) = (Array.FindIndex(endpoints, e => e.Port == _a.Port), Array.FindIndex(endpoints, e => e.Port == _b.Port));
        _a.FailNext(StatusCode.Unavailable);
        mesh.Random.Enqueue(a, 0, b); // a first; no backoff; then b

        Assert.Equal("b", await mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "0")), Single(requests));
        var retry = Assert.Single(retries.GetMeasurementSnapshot());
        Assert.Equal((1, ReviewsAll), (retry.Value, retry.Tags["cluster"]));
    }

    [Fact]
    public async Task Unary_RetriesUsedUp_URX()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), Routes("- route: [{ destination: { host: reviews } }]\n  retries: { attempts: 1, retryOn: unavailable }")), _a, _b);
        using var requests = Requests(mesh);
        _a.FailNext(StatusCode.Unavailable, 2);
        _b.FailNext(StatusCode.Unavailable, 2);

        await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "14"), ("response_flags", "URX")), Single(requests));
    }

    [Fact]
    public async Task NoRoute_NR_Unavailable()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), Routes("- match: [{ headers: { end-user: { exact: jason } } }]\n  route: [{ destination: { host: reviews } }]")), _a, _b);
        using var requests = Requests(mesh);

        await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "14"), ("response_flags", "NR")), Single(requests));
    }

    [Fact]
    public async Task SubsetWithoutEndpoints_UH()
    {
        // Other goes to v1, so that the resolver has endpoints to publish; Say goes to v3, which has none.
        await using var mesh = GrpcMesh.Start(
            Yaml(Rule(), Routes("""
                - match: [{ uri: { exact: /mesh.test.v1.Echo/Other } }]
                  route: [{ destination: { host: reviews, subset: v1 } }]
                - route: [{ destination: { host: reviews, subset: v3 } }]
                """)),
            _a,
            _b);
        using var requests = Requests(mesh);

        await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "14"), ("response_flags", "UH"), ("destination_workload", "reviews-v3"), ("destination_version", "v3"), ("destination_canonical_revision", "v3")), Single(requests));
    }

    /// <summary>The picker aborts before it chooses a destination: the labels name the service, not a subset.</summary>
    [Fact]
    public async Task FaultAbort_FI()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "fault: { abort: { grpcStatus: PERMISSION_DENIED, percentage: { value: 100 } } }")), _a, _b);
        using var requests = Requests(mesh);

        await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        IstioLabelSets.Equal(Expected(("grpc_response_status", "7"), ("response_flags", "FI")), Single(requests));
    }

    [Fact]
    public async Task RouteTimeout_DeadlineExceeded_UT()
    {
        _a.Hang = true;
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1", "timeout: 300ms")), _a, _b);
        using var requests = Requests(mesh);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        IstioLabelSets.Equal(Expected(("grpc_response_status", "4"), ("response_flags", "UT"), ("destination_workload", "reviews-v1"), ("destination_version", "v1"), ("destination_canonical_revision", "v1")), Single(requests));
    }

    [Fact]
    public async Task ServerStreaming_RecordedAtTheEndOfTheStream_StatusFromTrailers()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        using var requests = Requests(mesh);

        using (var call = mesh.Client.Stream(new EchoRequest { Text = "m", Count = 2 }, cancellationToken: Ct))
        {
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Empty(requests.GetMeasurementSnapshot()); // not over yet
            Assert.False(await call.ResponseStream.MoveNext(Ct));
        }

        using (var failing = mesh.Client.Stream(new EchoRequest { Text = "fail", Count = 1 }, cancellationToken: Ct))
        {
            Assert.True(await failing.ResponseStream.MoveNext(Ct));
            await Assert.ThrowsAsync<RpcException>(() => failing.ResponseStream.MoveNext(Ct));
        }

        var measurements = requests.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        var v1 = new[] { ("destination_workload", "reviews-v1"), ("destination_version", "v1"), ("destination_canonical_revision", "v1") };
        IstioLabelSets.Equal(Expected([("grpc_response_status", "0"), .. v1]), measurements[0].Tags);
        IstioLabelSets.Equal(Expected([("grpc_response_status", "14"), .. v1]), measurements[1].Tags);
    }

    [Fact]
    public async Task ClientStreamingAndDuplex_RecordedAtTheirEnd()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v2")), _a, _b);
        using var requests = Requests(mesh);

        using (var collect = mesh.Client.Collect(cancellationToken: Ct))
        {
            await collect.RequestStream.WriteAsync(new EchoRequest { Text = "x" }, Ct);
            await collect.RequestStream.CompleteAsync();
            Assert.Equal("x", (await collect.ResponseAsync).Text);
        }

        using (var chat = mesh.Client.Chat(cancellationToken: Ct))
        {
            await chat.RequestStream.WriteAsync(new EchoRequest { Text = "ping" }, Ct);
            Assert.True(await chat.ResponseStream.MoveNext(Ct));
            await chat.RequestStream.CompleteAsync();
            Assert.False(await chat.ResponseStream.MoveNext(Ct));
        }

        var v2 = Expected(("grpc_response_status", "0"), ("destination_workload", "reviews-v2"), ("destination_version", "v2"), ("destination_canonical_revision", "v2"));
        var measurements = requests.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Count);
        IstioLabelSets.Equal(v2, measurements[0].Tags);
        IstioLabelSets.Equal(v2, measurements[1].Tags);
    }

    private static MetricCollector<long> Requests(GrpcMesh mesh) =>
        new(mesh.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);

    private static IReadOnlyDictionary<string, object?> Single(MetricCollector<long> requests)
    {
        var measurement = Assert.Single(requests.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        return measurement.Tags;
    }

    /// <summary>A pure client (no Mesh:Service) calling reviews over gRPC: the source is unknown but for its namespace.</summary>
    private static Dictionary<string, object?> Expected(params (string Key, string Value)[] overrides) =>
        IstioLabelSets.Client(
        [
            ("source_workload", "unknown"),
            ("source_app", "unknown"),
            ("source_version", "unknown"),
            ("source_canonical_service", "unknown"),
            ("source_canonical_revision", "unknown"),
            ("request_protocol", "grpc"),
            .. overrides,
        ]);
}
