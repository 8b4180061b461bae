using System.Security.Cryptography.X509Certificates;
using System.Net;
using Mesh.Grpc;
using Mesh.Grpc.Tests.Protos;
using Mesh.Http;
using Mesh.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Security.Tests;

/// <summary>The mesh's outbound TLS against a real Kestrel served with <c>UseMesh()</c>: auto mTLS, DestinationRule tls, identity checks, gRPC.</summary>
public sealed class MtlsOutboundTests : IDisposable
{
    private const string Strict = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: istio-system }
        spec: { mtls: { mode: STRICT } }
        """;

    private readonly TempDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Ca => Path.Combine(_directory.Path, "ca");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task IdentityMismatch_ConnectFailureRetried_LogNamesSeenAndExpected()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port], serviceAccount: "bookinfo-reviews");

        using var response = await client.Client.GetAsync("http://reviews:9080/", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(MeshHeaders.UpstreamConnectFailure, response.Headers.GetValues(MeshHeaders.Reason).Single());

        // Istio's default retry policy retries connect-failure twice: three handshakes, each refused.
        Assert.Equal(3, client.Security.UpstreamRejected);
        Assert.Equal(0, server.Requests);
        var refused = client.Logs.GetSnapshot().Where(r => r.Id.Id == Telemetry.MeshEventIds.UpstreamPeerRejected).ToList();
        Assert.Equal(3, refused.Count);
        Assert.Contains("identity spiffe://cluster.local/ns/default/sa/reviews seen, expected spiffe://cluster.local/ns/default/sa/bookinfo-reviews", refused[0].Message, StringComparison.Ordinal);
        var failed = client.Logs.GetSnapshot().Single(r => r.Id.Id == Telemetry.MeshEventIds.UpstreamFailed);
        Assert.Contains("spiffe://cluster.local/ns/default/sa/bookinfo-reviews", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationRuleIstioMutual_SubjectAltNames_AcceptsTheListedIdentity()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port], serviceAccount: "someone-else", tlsMode: null, yaml: """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
                  subjectAltNames: [spiffe://cluster.local/ns/default/sa/reviews]
            """);

        Assert.StartsWith("peer=spiffe://cluster.local/ns/default/sa/productpage ", await client.Client.GetStringAsync("http://reviews:9080/", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoMtls_WithoutTheLabel_Plaintext_DestinationRuleDisable_Plaintext()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews");
        await using (var unlabelled = MtlsClient.Start(Ca, "reviews", [server.Port], tlsMode: null))
        {
            Assert.Equal("peer=none cert=none proto=HTTP/1.1", await unlabelled.Client.GetStringAsync("http://reviews:9080/", Ct));
        }

        // Port-level settings match the endpoints' port (the static registry's instance port).
        await using var disabled = MtlsClient.Start(Ca, "reviews", [server.Port], yaml: $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                tls: { mode: ISTIO_MUTUAL }
                portLevelSettings:
                - port: { number: {{server.Port}} }
                  tls: { mode: DISABLE }
            """);
        Assert.Null(disabled.Provider.Current.Clusters.Values.Single(c => c.Service.Name == "reviews").Tls);
        Assert.Equal("peer=none cert=none proto=HTTP/1.1", await disabled.Client.GetStringAsync("http://reviews:9080/", Ct));
    }

    [Fact]
    public async Task Grpc_MeshChannel_MtlsToStrictServer()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port]);
        using var channel = MeshGrpcChannel.ForAddress("http://reviews:9080", client.Services);

        var reply = await new Echo.EchoClient(channel.CallInvoker).SayAsync(new EchoRequest { Text = "hi" }, cancellationToken: Ct);

        Assert.Equal("peer=spiffe://cluster.local/ns/default/sa/productpage cert=O=mesh, CN=productpage proto=HTTP/2", reply.Text);
    }

    [Fact]
    public async Task Grpc_ClientFactory_MtlsToStrictServer()
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port], configure: services =>
            services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri("http://reviews:9080")).AddMesh());
        var echo = client.Services.GetRequiredService<Echo.EchoClient>();
        for (var i = 0; i < 5; i++)
        {
            var reply = await echo.SayAsync(new EchoRequest { Text = "hi" }, cancellationToken: Ct);
            Assert.Equal("peer=spiffe://cluster.local/ns/default/sa/productpage cert=O=mesh, CN=productpage proto=HTTP/2", reply.Text);
        }

        Assert.Equal(0, server.Inbound.Refused);
    }

    [Theory]
    [InlineData("spiffe://cluster.local/ns/default/sa/reviews", true)]
    [InlineData("spiffe://cluster.local/ns/default/sa/details", false)]
    public async Task DestinationRuleMutual_FilesAndSubjectAltNames(string subjectAltName, bool accepted)
    {
        await using var server = await MtlsServer.StartAsync(Ca, "reviews", Strict);
        using var leaf = TestCertificates.FromCa(Ca, "spiffe://cluster.local/ns/default/sa/batch-job", TimeSpan.FromHours(1));
        var files = Path.Combine(_directory.Path, "files");
        Directory.CreateDirectory(files);
        File.WriteAllText(Path.Combine(files, "tls.crt"), leaf.ExportCertificatePem());
        File.WriteAllText(Path.Combine(files, "tls.key"), leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(files, "ca.crt"), string.Concat(LocalCa.Open(Ca, TimeProvider.System).Roots.Select(r => r.Certificate.ExportCertificatePem() + "\n")));
        await using var client = MtlsClient.Start(Ca, "reviews", [server.Port], tlsMode: null, yaml: $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                tls:
                  mode: MUTUAL
                  clientCertificate: {{Path.Combine(files, "tls.crt")}}
                  privateKey: {{Path.Combine(files, "tls.key")}}
                  caCertificates: {{Path.Combine(files, "ca.crt")}}
                  subjectAltNames: [{{subjectAltName}}]
            """);

        using var response = await client.Client.GetAsync("http://reviews:9080/", Ct);

        if (accepted)
        {
            Assert.Equal("peer=spiffe://cluster.local/ns/default/sa/batch-job cert=O=mesh, CN=batch-job proto=HTTP/1.1", await response.Content.ReadAsStringAsync(Ct));
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains(client.Logs.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.UpstreamPeerRejected && r.Message.Contains("expected one of [spiffe://cluster.local/ns/default/sa/details]", StringComparison.Ordinal));
            Assert.Equal(0, server.Requests);
        }
    }
}
