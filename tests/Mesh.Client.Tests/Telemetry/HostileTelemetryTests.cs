using System.Net;
using Grpc.Core;
using Mesh.Grpc.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using static Mesh.Grpc.Tests.GrpcYaml;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// Label cardinality against a hostile peer: every label of Istio's request metrics comes from the mesh's own config
/// and certificates or from a bounded set; a peer's <c>grpc-status</c> outside gRPC's codes 0-16 is <c>unknown</c>,
/// so no sequence of responses adds a series per request.
/// </summary>
public sealed class HostileTelemetryTests : IAsyncLifetime
{
    private const int Calls = 40;

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
    public async Task Outbound_UpstreamGrpcStatusesOutsideGrpcCodes_AreOneLabelValue()
    {
        await using var mesh = GrpcMesh.Start(Yaml(Rule(), AllTo("v1")), _a, _b);
        using var requests = new MetricCollector<long>(mesh.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);
        for (var i = 0; i < Calls; i++)
        {
            _a.FailNext((StatusCode)(17 + (i * 1000)));
            await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());
        }

        _a.FailNext(StatusCode.NotFound);
        await Assert.ThrowsAsync<RpcException>(() => mesh.SayAsync());

        var statuses = requests.GetMeasurementSnapshot().Select(m => (string?)m.Tags["grpc_response_status"]).ToArray();
        Assert.Equal(Calls + 1, statuses.Length);
        Assert.Equal(["5", "unknown"], statuses.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Inbound_GrpcStatusesOutsideGrpcCodes_AreOneLabelValue()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Service"] = "ratings" });
        builder.Services.AddMesh();
        await using var app = builder.Build();

        // An app that answers with whatever grpc-status the caller names (a relay of an upstream's status would do the same).
        app.MapPost("/relay", static (HttpContext context) =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = context.Request.Headers["x-status"].ToString();
            return Task.CompletedTask;
        });
        using var requests = new MetricCollector<long>(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        string[] sent = [.. Enumerable.Range(0, Calls).Select(i => (17 + (i * 7919)).ToString(System.Globalization.CultureInfo.InvariantCulture)), "2147483647", "99999999999", "-3", "14"];
        foreach (var status in sent)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/relay") { Content = new ByteArrayContent([]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            request.Headers.Add("x-status", status);
            using var response = await client.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)} {response.Headers}");
        }

        await app.StopAsync(Ct);
        var statuses = requests.GetMeasurementSnapshot().Select(m => (string?)m.Tags["grpc_response_status"]).ToArray();
        Assert.Equal(sent.Length, statuses.Length);
        Assert.Equal(["14", "unknown"], statuses.Distinct().Order(StringComparer.Ordinal));
    }
}
