using Mesh.Configuration;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;

namespace Mesh.Security.Tests;

/// <summary>Kestrel served with <c>UseMesh()</c> on loopback, called by real clients: PeerAuthentication STRICT, PERMISSIVE and changes.</summary>
public sealed class MtlsInboundTests : IDisposable
{
    private const string Strict = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: default }
        spec: { mtls: { mode: STRICT } }
        """;

    private readonly TempDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Ca => Path.Combine(_directory.Path, "ca");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Strict_MeshClient_ServedOverMtls_PeerIdentityAndClientCertificateSeen()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port]);

        var body = await client.Client.GetStringAsync("http://reviews:9080/", Ct);

        Assert.Equal("peer=spiffe://cluster.local/ns/default/sa/productpage cert=O=mesh, CN=productpage proto=HTTP/1.1", body);
        Assert.Equal(0, server.Inbound.Refused);
    }

    [Fact]
    public async Task Strict_EachBadClient_RefusedCountedAndLogged()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        var otherCa = Path.Combine(_directory.Path, "other-ca");
        var cases = new (string Name, X509Certificate2? Certificate, string Logged)[]
        {
            ("no client certificate", null, "presented no certificate"),
            ("another CA", TestCertificates.FromCa(otherCa, "spiffe://cluster.local/ns/default/sa/productpage", TimeSpan.FromHours(1)), "does not chain to the mesh's roots"),
            ("expired", TestCertificates.Expired(Ca, "spiffe://cluster.local/ns/default/sa/productpage"), "NotTimeValid"),
            ("no SPIFFE ID", TestCertificates.WithoutSpiffeId(Ca), "no single SPIFFE ID"),
            ("another trust domain", TestCertificates.FromCa(Ca, "spiffe://evil.example/ns/default/sa/productpage", TimeSpan.FromHours(1)), "trust domain 'evil.example'"),
        };

        foreach (var (name, certificate, logged) in cases)
        {
            using var http = TlsClient(certificate);
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"https://127.0.0.1:{server.Port}/", Ct));
            Assert.True(error.HttpRequestError is HttpRequestError.SecureConnectionError or HttpRequestError.ResponseEnded or HttpRequestError.Unknown, $"{name}: {error.HttpRequestError} {error.Message}");
            await Eventually.WaitAsync(
                () => server.Logs.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.InboundHandshakeRefused && r.Message.Contains(logged, StringComparison.Ordinal)),
                $"the refusal of the client with {name} to be logged with '{logged}'");
        }

        using (var plain = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));
        }

        await Eventually.WaitAsync(() => server.Logs.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.InboundPlaintextRefused), "the plaintext refusal to be logged");
        Assert.Equal(cases.Length + 1, server.Inbound.Refused);
        Assert.Equal(cases.Length + 1, server.Security.InboundRefused);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Permissive_TlsAndPlaintextHttp1AndPlaintextGrpcOnOnePort()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews");
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port]);

        Assert.StartsWith("peer=spiffe://cluster.local/ns/default/sa/productpage ", await client.Client.GetStringAsync("http://reviews:9080/", Ct), StringComparison.Ordinal);

        using var plain = new HttpClient();
        Assert.Equal("peer=none cert=none proto=HTTP/1.1", await plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}", new GrpcChannelOptions { Credentials = ChannelCredentials.Insecure });
        var reply = await new Echo.EchoClient(channel).SayAsync(new EchoRequest { Text = "hi" }, cancellationToken: Ct);
        Assert.Equal("peer=none cert=none proto=HTTP/2", reply.Text);
        Assert.Equal(0, server.Inbound.Refused);
    }

    [Fact]
    public async Task PolicyChange_AppliesToNewConnections_WithoutRestart()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews");
        using (var plain = new HttpClient())
        {
            Assert.Equal("peer=none cert=none proto=HTTP/1.1", await plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));
        }

        await server.ApplyAsync(Strict);

        using (var plain = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));
        }

        Assert.Equal(1, server.Inbound.Refused);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port]);
        Assert.StartsWith("peer=spiffe://cluster.local/ns/default/sa/productpage ", await client.Client.GetStringAsync("http://reviews:9080/", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortLevelDisable_OverridesStrictForThatPort()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", settings: new() { ["Mesh:Labels:app"] = "reviews" });
        await server.ApplyAsync($$"""
            {{Strict}}
            ---
            apiVersion: security.istio.io/v1beta1
            kind: PeerAuthentication
            metadata: { name: reviews, namespace: default }
            spec:
              selector: { matchLabels: { app: reviews } }
              mtls: { mode: UNSET }
              portLevelMtls:
                {{server.Port}}: { mode: DISABLE }
            """);

        Assert.Equal(PeerAuthenticationModes.Strict, server.Inbound.CurrentPolicy().Mode);
        using var plain = new HttpClient();
        Assert.Equal("peer=none cert=none proto=HTTP/1.1", await plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));
    }

    [Fact]
    public async Task Permissive_FirstByteAlone_WaitsForMore_ThenServesHttp1()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews");
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, Ct);
        var stream = tcp.GetStream();

        // 'P' could start the HTTP/2 preface or PUT: the server must wait for more before it decides.
        await stream.WriteAsync("P"u8.ToArray(), Ct);
        await stream.FlushAsync(Ct);
        await Task.Delay(50, Ct);
        await stream.WriteAsync("UT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), Ct);
        using var reader = new StreamReader(stream);
        var status = await Eventually.CompletesAsync(reader.ReadLineAsync(Ct).AsTask(), "the server's answer to PUT /");

        // No PUT endpoint: 405 from routing, which means Kestrel parsed the request as HTTP/1.1.
        Assert.Equal("HTTP/1.1 405 Method Not Allowed", status);
    }

    /// <summary>An HTTPS client that presents <paramref name="certificate"/> (or none) and trusts any server.</summary>
    private static HttpClient TlsClient(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        if (certificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        return new HttpClient(handler);
    }
}
