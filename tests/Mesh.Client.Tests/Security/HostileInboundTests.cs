using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mesh.Tests;

namespace Mesh.Security.Tests;

/// <summary>
/// Raw sockets against a <c>UseMesh()</c> port: plaintext garbage, a handshake cut off, HTTP/2's preface then garbage, a
/// certificate not valid yet. Each connection is refused or closed, counted, and the next good client is served.
/// </summary>
public sealed class HostileInboundTests : IDisposable
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
    public async Task Strict_PlaintextGarbage_IsRefusedAndCounted_GoodClientServed()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);

        // Plaintext garbage: refused, counted and logged.
        Assert.Equal(0, await SendAndReadToEndAsync(server.Port, [.. Enumerable.Range(0, 1024).Select(i => (byte)(i * 7))]));
        await Eventually.WaitAsync(() => server.Inbound.Refused == 1, "the plaintext connection to be refused");
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.InboundPlaintextRefused);

        // A certificate of the mesh's CA that is not valid yet.
        using (var future = TestCertificates.FromCa(Ca, "spiffe://cluster.local/ns/default/sa/productpage", TimeSpan.FromHours(1), TimeProvider.System.GetUtcNow().AddDays(2)))
        {
            using var http = TlsClient(future);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"https://127.0.0.1:{server.Port}/", Ct));
        }

        await Eventually.WaitAsync(() => server.Logs.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.InboundHandshakeRefused && r.Message.Contains("NotTimeValid", StringComparison.Ordinal)), "the future certificate to be refused as NotTimeValid");
        Assert.Equal(0, server.Requests);

        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port]);
        Assert.StartsWith("peer=spiffe://cluster.local/ns/default/sa/productpage ", await client.Client.GetStringAsync("http://reviews:9080/", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strict_CutHandshake_IsRefusedAndCounted()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);

        // A TLS record header whose handshake never comes (the client hangs up).
        Assert.Equal(0, await SendAndReadToEndAsync(server.Port, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00], hangUp: true));
        await Eventually.WaitAsync(() => server.Inbound.Refused == 1, "the cut handshake to be refused", TimeSpan.FromSeconds(30));
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.InboundHandshakeRefused && r.Message.Contains("TLS handshake failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Permissive_Http2PrefaceThenGarbage_AndHttp1Garbage_AreClosedByKestrel_GoodClientServed()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews");

        // The HTTP/2 preface, then bytes that are no frame: Kestrel ends the connection (GOAWAY), nothing is served.
        byte[] preface = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. Enumerable.Repeat((byte)0xff, 64)];
        await SendAndReadToEndAsync(server.Port, preface);

        // Not HTTP at all: Kestrel answers 400 and closes.
        var answered = await SendAndReadToEndAsync(server.Port, "\u0001\u0002 garbage garbage\r\n\r\n"u8.ToArray());
        Assert.True(answered > 0, "Kestrel answers HTTP/1.1 garbage with 400");
        Assert.Equal(0, server.Requests);

        using var plain = new HttpClient();
        Assert.Equal("peer=none cert=none proto=HTTP/1.1", await plain.GetStringAsync($"http://127.0.0.1:{server.Port}/", Ct));
    }

    /// <summary>Sends bytes, then reads until the server closes; returns the bytes it answered (0: closed without a word).</summary>
    private static async Task<int> SendAndReadToEndAsync(int port, byte[] bytes, bool hangUp = false)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, Ct);
        await socket.SendAsync(bytes, SocketFlags.None, Ct);
        if (hangUp)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var total = 0;
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                total += read;
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return total;
    }

    private static HttpClient TlsClient(X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        return new HttpClient(handler);
    }
}
