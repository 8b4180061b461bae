using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using Bookinfo;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bookinfo.Tests;

/// <summary>
/// Bookinfo's calls between services are mTLS: under a mesh-wide STRICT PeerAuthentication (productpage left PERMISSIVE,
/// as the edge a browser reaches) the whole page still works, while a plaintext client, or a TLS client without a mesh
/// certificate, is refused by every other service. One Bookinfo per ratings protocol for the class.
/// </summary>
public sealed class MutualTlsTests(BookinfoFixture fixture) : IClassFixture<BookinfoFixture>
{
    /// <summary>Istio's mesh-wide STRICT (root namespace, no selector), and productpage PERMISSIVE for the browser.</summary>
    private const string Strict = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: default
          namespace: istio-system
        spec:
          mtls:
            mode: STRICT
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: productpage
          namespace: default
        spec:
          selector:
            matchLabels:
              app: productpage
          mtls:
            mode: PERMISSIVE
        """;

    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task Strict_PageWorks_PlaintextAndCertificatelessClientsAreRefused(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        await bookinfo.KubectlApplyTextAsync("strict.yaml", Strict);

        // Every call behind productpage is refused unless it is mTLS: the details and the stars of v2 and v3 show that they are.
        foreach (var (version, color) in new[] { ("v2", "black"), ("v3", "red") })
        {
            await bookinfo.WaitForPageAsync(
                (status, body) => status == HttpStatusCode.OK
                    && body.Contains($"Reviews served by: reviews-{version}-", StringComparison.Ordinal)
                    && body.Contains($"aria-label=\"5 {color} stars\"", StringComparison.Ordinal)
                    && body.Contains("<dt>Publisher:</dt><dd>PublisherA</dd>", StringComparison.Ordinal),
                $"the details and reviews {version}'s {color} stars under STRICT");
        }

        var details = bookinfo.App.Instances.Single(i => i.Service == "details");
        var ratings = bookinfo.App.Instances.Single(i => i.Service == "ratings");
        Assert.Equal(new Uri($"https://127.0.0.1:{details.Port}/"), details.Url);

        // A plaintext client: refused (the connection is closed before any response).
        using var plaintext = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => plaintext.GetAsync($"http://127.0.0.1:{details.Port}/details/0", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<HttpRequestException>(() => plaintext.GetAsync($"http://127.0.0.1:{ratings.Port}/ratings/0", TestContext.Current.CancellationToken));

        // A TLS client that trusts anything but has no certificate: refused in the handshake, as STRICT requires a client certificate.
        using var certificateless = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
        await Assert.ThrowsAsync<HttpRequestException>(() => certificateless.GetAsync($"{details.Url}details/0", TestContext.Current.CancellationToken));

        // productpage, PERMISSIVE, still serves the browser in plaintext (the page above came that way).
        Assert.StartsWith("http://", bookinfo.App.ProductPageUrl.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Without a PeerAuthentication (PERMISSIVE), a plaintext client is served, as in Istio's default install.</summary>
    [Fact]
    public async Task Permissive_PlaintextClientServed()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        var details = bookinfo.App.Instances.Single(i => i.Service == "details");

        using var plaintext = new HttpClient();
        using var response = await plaintext.GetAsync($"http://127.0.0.1:{details.Port}/details/0", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Each service sees its caller's identity: the server side of Istio's <c>istio_requests_total</c> (reporter
    /// destination) labels every call to details and ratings with <c>connection_security_policy: mutual_tls</c> and the
    /// caller's service account as <c>source_principal</c>; with <c>--no-mtls</c>, <c>none</c> and <c>unknown</c>.
    /// </summary>
    [Theory]
    [InlineData(BookinfoOptions.Http, true)]
    [InlineData(BookinfoOptions.Grpc, true)]
    [InlineData(BookinfoOptions.Http, false)]
    public async Task Permissive_EachCallCarriesTheCallersPrincipal(string ratingsProtocol, bool mtls)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol, mtls);
        var seen = new ConcurrentQueue<(string Service, Dictionary<string, string?> Labels)>();

        // The listener sees every Bookinfo of the test process (test classes run in parallel): only this one's hosts, by their meter factory.
        var hosts = bookinfo.App.Instances.ToDictionary(i => (object)i.App.Services.GetRequiredService<IMeterFactory>(), i => i.Service);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Mesh" && instrument.Name == "istio_requests_total" && instrument.Meter.Scope is { } scope && hosts.ContainsKey(scope))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value?.ToString();
            }

            if (labels.GetValueOrDefault("reporter") == "destination")
            {
                seen.Enqueue((hosts[instrument.Meter.Scope!], labels));
            }
        });
        listener.Start();

        // Until reviews v2 or v3 served the page: productpage called details and reviews, and reviews called ratings.
        await bookinfo.WaitForPageAsync((status, body) => status == HttpStatusCode.OK && body.Contains("stars\"", StringComparison.Ordinal), "a page with stars (reviews v2 or v3)");

        string?[] Call(string destination) =>
            seen.Where(m => m.Service == destination)
                .Select(m => m.Labels)
                .Select(l => $"{l.GetValueOrDefault("connection_security_policy")} {l.GetValueOrDefault("source_principal")}")
                .Distinct()
                .ToArray();
        Assert.Equal([mtls ? "mutual_tls cluster.local/ns/default/sa/bookinfo-productpage" : "none unknown"], Call("details"));
        Assert.Equal([mtls ? "mutual_tls cluster.local/ns/default/sa/bookinfo-reviews" : "none unknown"], Call("ratings"));
    }
}
