using System.Net;
using System.Net.Security;
using Bookinfo;

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
}
