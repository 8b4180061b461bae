using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// The inbound side (reporter=destination): the middleware AddMesh() puts first in the pipeline records every request
/// the service answers, HTTP and gRPC (grpc-status from the trailers or a trailers-only response), including the answers
/// of other startup filters, whichever side of AddMesh() they were registered on; the health check is not counted.
/// A real Kestrel (h1 and h2c) on loopback.
/// </summary>
public sealed class MeshTelemetryMiddlewareTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private MetricCollector<long> _requests = null!;
    private string _address = null!;
    private string _grpcAddress = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = "ratings",
            ["Mesh:Labels:version"] = "v1",
        });

        // A filter that answers 403 itself, as the authorization filter does: one registered before AddMesh, one after.
        builder.Services.AddTransient<IStartupFilter>(_ => new DenyFilter("/deny-early"));
        builder.Services.AddMesh();
        builder.Services.AddTransient<IStartupFilter>(_ => new DenyFilter("/deny-late"));
        builder.Services.AddGrpc();
        _app = builder.Build();
        _app.MapGet("/ok", static () => "ok");
        _app.MapPost("/echo", static async (HttpContext context) => Results.Text(await new StreamReader(context.Request.Body).ReadToEndAsync()));
        _app.MapGet("/throw", static HttpResponseMessage () => throw new InvalidOperationException("boom"));
        _app.MapGrpcService<RatingsEcho>();
        _requests = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);
        await _app.StartAsync(Ct);
        _address = _app.Urls.First();
        _grpcAddress = _app.Urls.Last();
        _client = new HttpClient { BaseAddress = new Uri(_address) };
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _requests.Dispose();
        await _app.StopAsync(Ct);
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Http_Ok_DestinationIsThisService()
    {
        Assert.Equal("ok", await _client.GetStringAsync("/ok", Ct));

        IstioLabelSets.Equal(Expected(), await SingleAsync());
    }

    [Fact]
    public async Task Http_RequestBytesFromContentLength()
    {
        using var response = await _client.PostAsync("/echo", new StringContent("12345"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await SingleAsync();
        using var sizes = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestBytes);
        using var again = await _client.PostAsync("/echo", new StringContent("123"), Ct);
        await Eventually.WaitAsync(() => sizes.GetMeasurementSnapshot().Count == 1, "the second request's size");
        Assert.Equal(3, sizes.LastMeasurement!.Value);
    }

    [Theory]
    [InlineData("/deny-early")]
    [InlineData("/deny-late")]
    public async Task AnotherStartupFilterAnswers403_StillRecorded(string path)
    {
        using var response = await _client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        IstioLabelSets.Equal(Expected(("response_code", "403"), ("response_flags", "RBAC")), await SingleAsync());
    }

    [Fact]
    public async Task Http_NotFoundAndException_CodesAsAnswered()
    {
        using (var missing = await _client.GetAsync("/missing", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var failing = await _client.GetAsync("/throw", Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
        }

        await Eventually.WaitAsync(() => _requests.GetMeasurementSnapshot().Count == 2, "two requests recorded");
        var codes = _requests.GetMeasurementSnapshot().Select(m => m.Tags["response_code"]).ToList();
        Assert.Equal(["404", "500"], codes);
    }

    [Fact]
    public async Task HealthCheck_NotCounted()
    {
        using var response = await _client.GetAsync("/mesh/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await _client.GetStringAsync("/ok", Ct));
        IstioLabelSets.Equal(Expected(), await SingleAsync()); // only /ok
    }

    [Theory]
    [InlineData("hi", "0")] // status in the trailers
    [InlineData("missing", "5")] // trailers-only: the status in the headers
    public async Task Grpc_Unary_StatusFromTrailersOrHeaders(string text, string status)
    {
        using var channel = GrpcChannel.ForAddress(_grpcAddress);
        var client = new Echo.EchoClient(channel);

        try
        {
            await client.SayAsync(new EchoRequest { Text = text }, cancellationToken: Ct);
        }
        catch (RpcException)
        {
        }

        IstioLabelSets.Equal(Expected(("request_protocol", "grpc"), ("grpc_response_status", status)), await SingleAsync());
    }

    [Fact]
    public async Task Grpc_ServerStreamFailingAfterMessages_StatusFromTrailers()
    {
        using var channel = GrpcChannel.ForAddress(_grpcAddress);
        var client = new Echo.EchoClient(channel);

        using var call = client.Stream(new EchoRequest { Text = "fail", Count = 2 }, cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        IstioLabelSets.Equal(Expected(("request_protocol", "grpc"), ("grpc_response_status", "14")), await SingleAsync());
    }

    /// <summary>The server records after the response is written: wait for it.</summary>
    private async Task<IReadOnlyDictionary<string, object?>> SingleAsync()
    {
        await Eventually.WaitAsync(() => _requests.GetMeasurementSnapshot().Count >= 1, "the request to be recorded");
        var measurement = Assert.Single(_requests.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        return measurement.Tags;
    }

    /// <summary>ratings v1 answering a caller it does not know, over plaintext.</summary>
    private static Dictionary<string, object?> Expected(params (string Key, string Value)[] overrides)
    {
        var labels = new Dictionary<string, object?>(StringComparer.Ordinal)
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
            ["destination_workload"] = "ratings-v1",
            ["destination_workload_namespace"] = "default",
            ["destination_principal"] = "unknown",
            ["destination_app"] = "ratings",
            ["destination_version"] = "v1",
            ["destination_service"] = "ratings.default.svc.cluster.local",
            ["destination_service_name"] = "ratings",
            ["destination_service_namespace"] = "default",
            ["destination_cluster"] = "unknown",
            ["destination_canonical_service"] = "ratings",
            ["destination_canonical_revision"] = "v1",
            ["request_protocol"] = "http",
            ["response_code"] = "200",
            ["grpc_response_status"] = "",
            ["response_flags"] = "-",
            ["connection_security_policy"] = "none",
        };
        foreach (var (key, value) in overrides)
        {
            labels[key] = value;
        }

        return labels;
    }

    /// <summary>Answers 403 on one path before the app sees it, and names the reason (RBAC), as the authorization filter does.</summary>
    private sealed class DenyFilter(string path) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path == path)
                {
                    context.Features.Set(InboundResponseFlags.Rbac);
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return;
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>Echo as a ratings service would answer it: "missing" is NOT_FOUND before any message; "fail" fails a stream after its messages.</summary>
    private sealed class RatingsEcho : Echo.EchoBase
    {
        public override Task<EchoReply> Say(EchoRequest request, ServerCallContext context) =>
            request.Text == "missing" ? throw new RpcException(new Status(StatusCode.NotFound, "no such rating")) : Task.FromResult(new EchoReply { Server = "ratings", Text = request.Text });

        public override async Task Stream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            for (var i = 0; i < request.Count; i++)
            {
                await responseStream.WriteAsync(new EchoReply { Server = "ratings", Text = $"{i}" }, context.CancellationToken);
            }

            if (request.Text == "fail")
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "failed after the messages"));
            }
        }
    }
}
