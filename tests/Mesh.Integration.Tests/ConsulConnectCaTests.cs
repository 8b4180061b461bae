using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Mesh.Registry.Consul;
using Mesh.Security;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Integration.Tests;

/// <summary>
/// Certificates from Consul Connect's CA (the default source with the Consul registry), against real Consul 1.8 agents:
/// services get their leaves and call each other over ISTIO_MUTUAL with Consul's identities read as Istio's; a wrong
/// identity is refused; a root rotation and an agent restart under steady load fail no request.
/// </summary>
public sealed class ConsulConnectCaTests(ITestOutputHelper testOutput) : IAsyncLifetime
{
    private readonly ConsulAgent _server = new();
    private readonly string _id = $"{Guid.NewGuid():N}"[..6];
    private readonly List<IAsyncDisposable> _stop = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Prefix => $"t/{_id}/";

    public async ValueTask InitializeAsync() => await _server.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_stop))
        {
            await item.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    [Fact]
    public async Task TwoServices_ConsulLeaves_CallEachOtherOverIstioMutual_IdentitiesMapped_WrongIdentityRefused()
    {
        var (a, b) = ($"a{_id}", $"b{_id}");
        var logs = new LogRecorder();
        var serviceA = await StartAsync(_server.Address, a, logs);
        var serviceB = await StartAsync(_server.Address, b);
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(_server.Address, null));
        await WaitPassingAsync(consul, a);
        await WaitPassingAsync(consul, b);

        // Each holds Consul's leaf for its service name, in Consul's trust domain.
        var trustDomain = serviceA.Credentials.TrustDomain!;
        Assert.EndsWith(".consul", trustDomain, StringComparison.Ordinal);
        Assert.Equal($"spiffe://{trustDomain}/ns/default/dc/dc1/svc/{a}", serviceA.Credentials.Identity!.Uri);
        Assert.Equal($"spiffe://{trustDomain}/ns/default/dc/dc1/svc/{b}", serviceB.Credentials.Identity!.Uri);

        // a calls b and b calls a: auto mTLS, the server's identity checked against the Istio form, the client's read as Istio's principal.
        using var http = new HttpClient();
        Assert.Equal($"200 {b}|spiffe://{trustDomain}/ns/default/dc/dc1/svc/{a}|cluster.local/ns/default/sa/{a}", await http.GetStringAsync($"http://127.0.0.1:{serviceA.Port}/call/{b}", Ct));
        Assert.Equal($"200 {a}|spiffe://{trustDomain}/ns/default/dc/dc1/svc/{b}|cluster.local/ns/default/sa/{b}", await http.GetStringAsync($"http://127.0.0.1:{serviceB.Port}/call/{a}", Ct));
        var cluster = serviceA.Provider.Current.Clusters.Values.Single(c => c.Service.Name == b && c.Subset is null);
        Assert.Equal("ISTIO_MUTUAL", cluster.Tls!.Mode);
        Assert.Equal([$"spiffe://cluster.local/ns/default/sa/{b}"], cluster.Tls.SubjectAltNames);

        // An Istio AuthorizationPolicy naming cluster.local/ns/default/sa/A matches A's Consul certificate; plaintext is denied.
        await PutAsync(consul, "authorizationpolicy", $"{b}-viewer", $$$"""{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"{{{b}}}-viewer","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"{{{b}}}"}},"action":"ALLOW","rules":[{"from":[{"source":{"principals":["cluster.local/ns/default/sa/{{{a}}}"]}}]}]}}""");
        await Wait.UntilAsync(() => serviceB.Provider.Current.Documents.Count == 1, $"{b} to apply the AuthorizationPolicy");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"http://127.0.0.1:{serviceB.Port}/", Ct)).StatusCode);
        Assert.StartsWith($"200 {b}|", await http.GetStringAsync($"http://127.0.0.1:{serviceA.Port}/call/{b}", Ct), StringComparison.Ordinal);

        // A DestinationRule expecting another identity: b's certificate is refused, and the log says what was seen.
        await PutAsync(consul, "destinationrule", b, """{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"__B__"},"spec":{"host":"__B__","trafficPolicy":{"tls":{"mode":"ISTIO_MUTUAL","subjectAltNames":["spiffe://cluster.local/ns/default/sa/someone-else"]}}}}""".Replace("__B__", b, StringComparison.Ordinal));
        await Wait.UntilAsync(() => serviceA.Provider.Current.Documents.Count == 2, $"{a} to apply the DestinationRule");
        var refused = await http.GetStringAsync($"http://127.0.0.1:{serviceA.Port}/call/{b}", Ct);
        Assert.StartsWith("503", refused, StringComparison.Ordinal);
        Assert.Contains(logs.Matching("refused"), m => m.Contains($"identity spiffe://{trustDomain}/ns/default/dc/dc1/svc/{b} seen, expected spiffe://cluster.local/ns/default/sa/someone-else", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RootRotation_UnderSteadyLoad_NoRequestFails_NewChainServed()
    {
        var output = new Figures(testOutput, "Consul CA root rotation");
        var (b, c) = ($"b{_id}", $"c{_id}");
        var logs = new LogRecorder();
        var serviceB = await StartAsync(_server.Address, b, logs);
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(_server.Address, null));
        await WaitPassingAsync(consul, b);
        var client = await ClientAsync(_server.Address, c);
        var clientCredentials = () => client.Host.Services.GetRequiredService<MeshSecurity>().Certificates.Current;
        var trustDomain = serviceB.Credentials.TrustDomain!;
        var answer = $"{b}|spiffe://{trustDomain}/ns/default/dc/dc1/svc/{c}|cluster.local/ns/default/sa/{c}";
        Assert.Equal(answer, await client.CallAsync(b));
        var before = (Server: serviceB.Credentials, Client: clientCredentials());

        await using var load = new SteadyLoad(client, b, new HashSet<string> { answer });
        await load.MoreAsync(100, "before the rotation");
        var clock = Stopwatch.StartNew();
        await RotateRootAsync(_server.Address);

        // Consul's agent trusts the new root at once, and issues the new leaf after a random delay of up to 30 s
        // (its caChangeJitterWindow, against a thundering herd of renewals after a rotation).
        await Wait.UntilAsync(() => serviceB.Credentials is { Intermediates.Count: 1, Roots.Count: 2 } && clientCredentials() is { Intermediates.Count: 1, Roots.Count: 2 }, "both to hold the rotated leaf, its cross-signed intermediate and both roots", TimeSpan.FromSeconds(45));
        foreach (var line in logs.Lines.Where(l => l.Category.Contains("Certificate", StringComparison.Ordinal)))
        {
            output.WriteLine($"{line.At.TotalSeconds,7:0.00} s {line.Category}: {line.Message}");
        }

        output.WriteLine($"{clock.Elapsed.TotalMilliseconds:0} ms: both hold leaves of the new root");
        await load.MoreAsync(300, "after the rotation");

        // New connections: the server sends the leaf and the cross-signed intermediate; a new client calls it.
        var sent = await ServerChainAsync(serviceB.Port, clientCredentials());
        Assert.Equal(2, sent.Count);
        Assert.Equal(serviceB.Credentials.Certificate.Thumbprint, sent[0].Thumbprint);
        Assert.Equal(sent[0].IssuerName.Name, sent[1].SubjectName.Name);
        Assert.NotEqual(sent[1].SubjectName.Name, sent[1].IssuerName.Name);
        Assert.NotEqual(before.Server.Certificate.Thumbprint, sent[0].Thumbprint);
        var fresh = await ClientAsync(_server.Address, c);
        Assert.Equal(answer, await fresh.CallAsync(b));
        await load.MoreAsync(100, "after the new connections");
        await load.StopAsync();

        output.WriteLine(load.Describe());
        Assert.True(load.Failures.IsEmpty, load.Describe());
    }

    [Fact]
    public async Task LocalAgentRestart_UnderSteadyLoad_CertificatesKept_NoRequestFails()
    {
        var output = new Figures(testOutput, "Consul agent restart, Consul CA");
        var agent = ConsulAgent.ClientOf(_server);
        _stop.Add(agent);
        await agent.StartAsync();
        var (b, c) = ($"b{_id}", $"c{_id}");
        var serviceB = await StartAsync(agent.Address, b);
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(agent.Address, null));
        await WaitPassingAsync(consul, b);
        var client = await ClientAsync(agent.Address, c);
        var answer = $"{b}|spiffe://{serviceB.Credentials.TrustDomain}/ns/default/dc/dc1/svc/{c}|cluster.local/ns/default/sa/{c}";
        Assert.Equal(answer, await client.CallAsync(b));
        var before = serviceB.Credentials;

        await using var load = new SteadyLoad(client, b, new HashSet<string> { answer });
        await load.MoreAsync(50, "before the agent is killed");
        await agent.KillAsync();
        await load.MoreAsync(300, "while the agent is down", TimeSpan.FromSeconds(30));
        Assert.Same(before, serviceB.Credentials); // kept through the outage

        var clock = Stopwatch.StartNew();
        agent.Launch();
        await agent.WaitForLeaderAsync();
        await WaitPassingAsync(consul, b);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: the agent is back and {b} passes its check");
        await load.MoreAsync(200, "after the agent is back");
        await load.StopAsync();

        var after = serviceB.Credentials;
        output.WriteLine($"certificate before: {before}; after: {after}");
        Assert.Equal(before.TrustDomain, after.TrustDomain);
        Assert.Equal(before.Roots[0].Thumbprint, after.Roots[0].Thumbprint);
        output.WriteLine(load.Describe());
        Assert.True(load.Failures.IsEmpty, load.Describe());
    }

    /// <summary>Rotates Consul's CA as an operator does: a new root private key in the CA configuration (B1 of the research brief).</summary>
    private static async Task RotateRootAsync(string address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = JsonSerializer.Serialize(new
        {
            Provider = "consul",
            Config = new { LeafCertTTL = "72h", RotationPeriod = "2160h", IntermediateCertTTL = "8760h", PrivateKey = key.ExportECPrivateKeyPem() },
        });
        using var http = new HttpClient();
        using var response = await http.PutAsync($"{address}/v1/connect/ca/configuration", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A TLS handshake with the server as a mesh client does: returns the certificates it sent, leaf first.</summary>
    private static async Task<List<X509Certificate2>> ServerChainAsync(int port, MeshCredentials credentials)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, Ct);
        List<X509Certificate2> sent = [];
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificateContext = credentials.Context,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                // The chain's extra store holds what the server sent: its leaf and the certificates after it.
                var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                sent.Add(leaf);
                sent.AddRange(chain!.ChainPolicy.ExtraStore.Cast<X509Certificate2>().Where(c => c.Thumbprint != leaf.Thumbprint));
                return true;
            },
        }, Ct);
        return sent;
    }

    private async Task<ConnectService> StartAsync(string address, string service, LogRecorder? logs = null)
    {
        var started = await ConnectService.StartAsync(address, service, Prefix, logs);
        _stop.Add(started);
        return started;
    }

    private async Task<MeshClient> ClientAsync(string address, string service)
    {
        var client = await MeshClient.StartAsync(address, new Dictionary<string, string?>
        {
            ["Mesh:Service"] = service,
            ["Mesh:Consul:Register"] = "false",
            ["Mesh:Consul:KeyPrefix"] = Prefix,
        });
        _stop.Add(client);
        return client;
    }

    private Task PutAsync(ConsulClient consul, string kind, string name, string json) =>
        consul.PutKeyAsync($"{Prefix}{kind}/default/{name}", json, null, Ct);

    private static Task WaitPassingAsync(ConsulClient consul, string service) =>
        Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, $"{service} to register and pass its check", TimeSpan.FromSeconds(20));
}
