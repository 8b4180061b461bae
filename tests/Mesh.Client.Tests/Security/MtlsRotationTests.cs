using System.Net;
using Mesh.Tests;

namespace Mesh.Security.Tests;

/// <summary>
/// Rotation under load: a meshed client calls a STRICT server continuously, one new connection (one handshake) per request,
/// while both renew their certificates at half life and the local CA rotates its root (overlap, new signer, prune). Time
/// is a fake clock, advanced by the test; the network is real. No request may fail.
/// </summary>
public sealed class MtlsRotationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Ca => Path.Combine(_directory.Path, "ca");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ContinuousRequests_AcrossLeafRenewalAndRootRotation_NoneFails()
    {
        var time = new TestTimeProvider();
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: default, namespace: istio-system }
            spec: { mtls: { mode: STRICT } }
            """, time);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port], time: time, yaml: """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                connectionPool: { http: { maxRequestsPerConnection: 1 } }
            """);

        var ok = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.Client.GetAsync("http://reviews:9080/", TestContext.Current.CancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        })).ToArray();

        async Task MoreRequests(string phase)
        {
            var target = Volatile.Read(ref ok) + 20;
            await Eventually.WaitAsync(() => Volatile.Read(ref ok) >= target || !failures.IsEmpty, $"20 more requests {phase}");
            Assert.True(failures.IsEmpty, $"{phase}: {string.Join("; ", failures)}");
        }

        var serverFirst = server.Security.Certificates.Current;
        var clientFirst = client.Security.Certificates.Current;
        await MoreRequests("before any rotation");

        // 1. Leaf renewal at half life (24 h leaves), on both sides, in steps of 30 minutes.
        for (var i = 0; i < 25; i++)
        {
            time.Advance(TimeSpan.FromMinutes(30));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        Assert.NotEqual(serverFirst.Certificate.SerialNumber, server.Security.Certificates.Current.Certificate.SerialNumber);
        Assert.NotEqual(clientFirst.Certificate.SerialNumber, client.Security.Certificates.Current.Certificate.SerialNumber);
        await MoreRequests("after the leaf renewal");

        // 2. Root rotation: the new root is trusted at the next check, signs two minutes later, then the old one is pruned.
        LocalCa.Rotate(Ca, time);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, server.Security.Certificates.Current.Roots.Count);
        Assert.Equal(2, client.Security.Certificates.Current.Roots.Count);
        await MoreRequests("in the overlap, root 1 signing");

        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        Assert.Contains("Mesh local CA 2", server.Security.Certificates.Current.Certificate.Issuer, StringComparison.Ordinal);
        Assert.Contains("Mesh local CA 2", client.Security.Certificates.Current.Certificate.Issuer, StringComparison.Ordinal);
        await MoreRequests("in the overlap, root 2 signing");

        Assert.Equal([1], LocalCa.Prune(Ca, time));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(server.Security.Certificates.Current.Roots);
        Assert.Single(client.Security.Certificates.Current.Roots);
        await MoreRequests("after the prune");

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(failures.IsEmpty, string.Join("; ", failures));
        Assert.True(ok >= 100, $"only {ok} requests");
        Assert.Equal(0, server.Inbound.Refused);
        Assert.Equal(0, client.Security.UpstreamRejected);
    }
}
