using System.Net.Sockets;
using Mesh.Tests;

namespace Mesh.Http.Tests;

/// <summary>What outlier detection counts against an endpoint, as Envoy counts it.</summary>
public class MeshHttpHandlerOutlierTests
{
    private const string EjectOnFirstError = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          trafficPolicy:
            outlierDetection: { consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 100 }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAsync_ConnectFailure_EjectsTheEndpoint()
    {
        using var mesh = new MeshServices(new TestStateSource(EjectOnFirstError, TestMesh.Reviews));
        mesh.Network.OnSend = _ =>
        {
            mesh.Network.OnSend = null;
            throw new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused));
        };

        using var retried = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);
        var failed = mesh.Network.Requests[0].Uri.Host;

        Assert.DoesNotContain(failed, await SendSixAsync(mesh));
    }

    /// <summary>
    /// The caller giving up (its token, HttpClient.Timeout, a browser that went away) says nothing
    /// about the endpoint: Envoy resets the upstream request and records no outlier result. Only
    /// the route's or the attempt's own timeout counts against it.
    /// </summary>
    [Fact]
    public async Task SendAsync_CallerCancels_EndpointIsNotEjected()
    {
        using var mesh = new MeshServices(new TestStateSource(EjectOnFirstError, TestMesh.Reviews));
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        mesh.Network.OnSend = _ =>
        {
            mesh.Network.OnSend = null;
            caller.Cancel();
            caller.Token.ThrowIfCancellationRequested();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mesh.Client.GetAsync(new Uri("http://reviews:9080/"), caller.Token));
        var cancelled = Assert.Single(mesh.Network.Requests).Uri.Host;

        Assert.Contains(cancelled, await SendSixAsync(mesh));
    }

    private static async Task<List<string>> SendSixAsync(MeshServices mesh)
    {
        var start = mesh.Network.Requests.Count;
        for (var i = 0; i < 6; i++)
        {
            using var response = await mesh.Client.GetAsync(new Uri("http://reviews:9080/"), Ct);
        }

        return [.. mesh.Network.Requests.Skip(start).Select(r => r.Uri.Host)];
    }
}
