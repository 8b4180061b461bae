using Mesh.Security;
using Mesh.Server.Tests.Support;

namespace Mesh.Server.Tests.Xds;

/// <summary>
/// Mesh.Server against Google's proxyless client (@grpc/grpc-js-xds 1.14): LDS → RDS → CDS → EDS over
/// one ADS stream, real .NET gRPC backends on loopback, config from the static registry.
/// </summary>
public sealed class NodeXdsClientTests : IAsyncLifetime
{
    private const string Target = "xds:///echo:50051";

    private const string Subsets = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: echo
        spec:
          host: echo
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        """;

    private readonly TempDirectory _config = new();
    private EchoBackend _v1 = null!;
    private EchoBackend _v2 = null!;

    public async ValueTask InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _v2 = await EchoBackend.StartAsync("v2");
        _config.Write("echo-dr.yaml", Subsets);
    }

    public async ValueTask DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _config.Dispose();
    }

    [Fact]
    public async Task VirtualService_AllToV1_EveryCallReachesV1()
    {
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        await using var server = await StartServerAsync();
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);

        var result = await client.CallAsync(Target, count: 30);

        Assert.True(result.Count("v1") == 30, $"{result}; node stderr: {client.Stderr}");
        Assert.Equal(0, _v2.Calls);
        Assert.Equal(0, server.Clients.TotalNacks);
    }

    [Fact]
    public async Task VirtualService_WeightedFiftyFifty_SplitsWithinTolerance()
    {
        _config.Write("echo-vs.yaml", VirtualService(("v1", 50), ("v2", 50)));
        await using var server = await StartServerAsync();
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);

        // 400 calls at p = 0.5: sd = 10, so [150, 250] is 5 sd either side; grpc-js draws weights with Math.random.
        var result = await client.CallAsync(Target, count: 400);

        Assert.True(result.Failures == 0, result.ToString());
        Assert.InRange(result.Count("v1"), 150, 250);
        Assert.InRange(result.Count("v2"), 150, 250);
    }

    [Fact]
    public async Task VirtualService_HeaderMatch_RoutesByMetadata()
    {
        _config.Write("echo-vs.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: echo
                    subset: v2
              - route:
                - destination:
                    host: echo
                    subset: v1
            """);
        await using var server = await StartServerAsync();
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);

        var jason = await client.CallAsync(Target, count: 20, metadata: new Dictionary<string, string> { ["end-user"] = "jason" });
        var other = await client.CallAsync(Target, count: 20, metadata: new Dictionary<string, string> { ["end-user"] = "alice" });
        var none = await client.CallAsync(Target, count: 20);

        Assert.True(jason.Count("v2") == 20, jason.ToString());
        Assert.True(other.Count("v1") == 20, other.ToString());
        Assert.True(none.Count("v1") == 20, none.ToString());
    }

    [Fact]
    public async Task ConfigChange_IsAppliedByTheClientWithinOneSecond()
    {
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        await using var server = await StartServerAsync();
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);
        Assert.Equal(10, (await client.CallAsync(Target, count: 10)).Count("v1"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        _config.Write("echo-vs.yaml", VirtualService(("v2", 100)));
        await Wait.UntilAsync(async () => (await client.CallAsync(Target)).Count("v2") == 1, "the client to route to v2 after the VirtualService changed", TimeSpan.FromSeconds(5));
        var elapsed = watch.Elapsed;

        // File watch + the static registry's 150 ms debounce + Mesh.Server's 100 ms debounce + the push.
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the change took {elapsed.TotalMilliseconds:0} ms to reach the client");
        Assert.Equal(10, (await client.CallAsync(Target, count: 10)).Count("v2"));
    }

    [Fact]
    public async Task ServerRestart_ClientKeepsRoutingThenReconnectsAndTakesNewConfig()
    {
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        var server = await StartServerAsync();
        var port = server.XdsPort;
        await using var client = await NodeXdsClient.StartAsync(port);
        Assert.Equal(10, (await client.CallAsync(Target, count: 10)).Count("v1"));

        await server.DisposeAsync();

        // The control plane is gone: the client keeps the config it has and keeps routing with it.
        var meanwhile = await client.CallAsync(Target, count: 10);
        Assert.True(meanwhile.Count("v1") == 10, meanwhile.ToString());

        _config.Write("echo-vs.yaml", VirtualService(("v2", 100)));
        await using var restarted = await StartServerAsync(port);
        await Wait.UntilAsync(() => restarted.Clients.GetStatus().Count == 1, "the client to reconnect to the restarted server", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(async () => (await client.CallAsync(Target)).Count("v2") == 1, "the client to route to v2 from the restarted server's config");
    }

    [Fact]
    public async Task EndpointRemoved_NoCallReachesItAfterThePush()
    {
        await using var v1b = await EchoBackend.StartAsync("v1b");
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        await using var server = await TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1"), ("echo", v1b, "v1")));
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);
        var before = await client.CallAsync(Target, count: 20);
        Assert.True(before.Count("v1") > 0 && before.Count("v1b") > 0, $"round robin over both endpoints: {before}");

        var pushed = server.Clients.GetStatus().Single().Types.Single(t => t.Type == "EDS").SentVersion;
        server.Config.Replace(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1")));
        await Wait.UntilAsync(
            () => server.Clients.GetStatus().Single().Types.Single(t => t.Type == "EDS") is { } eds && eds.SentVersion != pushed && eds.AckedVersion == eds.SentVersion,
            "the client to ACK the EDS update without v1b");

        var callsToRemoved = v1b.Calls;
        var after = await client.CallAsync(Target, count: 30);
        Assert.True(after.Count("v1") == 30, after.ToString());
        Assert.Equal(callsToRemoved, v1b.Calls);
    }

    [Fact]
    public async Task EveryFeature_IsAckedByGrpcJs_FaultAbortApplies_UnsupportedReported()
    {
        _config.Write("echo-dr.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: echo
            spec:
              host: echo
              trafficPolicy:
                loadBalancer:
                  simple: LEAST_REQUEST
                connectionPool:
                  http:
                    http2MaxRequests: 50
                outlierDetection:
                  consecutive5xxErrors: 3
                  interval: 5s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 50
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
            """);
        _config.Write("echo-vs.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: echo
            spec:
              hosts:
              - echo
              http:
              - match:
                - headers:
                    x-fault:
                      exact: deny
                fault:
                  abort:
                    percentage:
                      value: 100
                    grpcStatus: PERMISSION_DENIED
                route:
                - destination:
                    host: echo
                    subset: v1
              - match:
                - headers:
                    x-user: {}
                route:
                - destination:
                    host: echo
                    subset: v2
              - timeout: 3s
                retries:
                  attempts: 3
                  perTryTimeout: 1s
                  retryOn: unavailable,5xx
                route:
                - destination:
                    host: echo
                    subset: v1
            """);
        await using var server = await StartServerAsync();
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);

        var denied = await client.CallAsync(Target, count: 5, metadata: new Dictionary<string, string> { ["x-fault"] = "deny" });
        var hashed = await client.CallAsync(Target, count: 5, metadata: new Dictionary<string, string> { ["x-user"] = "ann" });
        var plain = await client.CallAsync(Target, count: 5);

        Assert.True(denied.Errors.GetValueOrDefault("PERMISSION_DENIED") == 5, denied.ToString());
        Assert.True(hashed.Count("v2") == 5, hashed.ToString());
        Assert.True(plain.Count("v1") == 5, plain.ToString());
        Assert.Equal(0, server.Clients.TotalNacks);
        var types = Assert.Single(server.Clients.GetStatus()).Types;
        Assert.Equal(["CDS", "EDS", "LDS", "RDS"], types.Select(t => t.Type));
        Assert.All(types, t => Assert.True(t.AckedVersion == t.SentVersion, $"{t.Type}: sent {t.SentVersion}, ACKed {t.AckedVersion}, last NACK {t.LastNack}"));
        var unsupported = server.Store.Current.Notes;
        Assert.Contains(unsupported, n => n.Contains("LEAST_REQUEST", StringComparison.Ordinal));
        Assert.Contains(unsupported, n => n.Contains("consecutive5xxErrors", StringComparison.Ordinal));
        Assert.Contains(unsupported, n => n.Contains("perTryTimeout", StringComparison.Ordinal));
        Assert.Contains(unsupported, n => n.Contains("'5xx'", StringComparison.Ordinal));
        Assert.Contains(server.Logs.GetSnapshot(), r => r.Id.Id == ServerEventIds.Unsupported && r.Message.Contains("LEAST_REQUEST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NamedPorts_RatingsShape_GrpcPortTargetReachesEachInstancesGrpcPort()
    {
        // Bookinfo's ratings: an HTTP port (the instance's main port, 9080) and a gRPC port (grpc-ratings 9090 → a port of its own).
        // Both backends here speak gRPC, so a call sent to the wrong port is answered, by the wrong name, and the test sees it.
        await using var httpPort = await EchoBackend.StartAsync("ratings-main-port");
        await using var grpcPort = await EchoBackend.StartAsync("ratings-grpc-port");
        var config = TestMeshServer.StaticConfig(_config.Path, ("ratings", httpPort, "v1"));
        config["Mesh:Static:Services:ratings:0:Ports:0:Name"] = "grpc-ratings";
        config["Mesh:Static:Services:ratings:0:Ports:0:Port"] = "9090";
        config["Mesh:Static:Services:ratings:0:Ports:0:TargetPort"] = grpcPort.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await TestMeshServer.StartAsync(config);
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);

        var grpc = await client.CallAsync("xds:///ratings:9090", count: 10);
        var main = await client.CallAsync("xds:///ratings:9080", count: 10);

        Assert.True(grpc.Count("ratings-grpc-port") == 10, $"{grpc}; node stderr: {client.Stderr}");
        Assert.True(main.Count("ratings-main-port") == 10, main.ToString());
        Assert.Equal(0, server.Clients.TotalNacks);
        var cds = Assert.Single(server.Clients.GetStatus()).Types.Single(t => t.Type == "CDS");
        Assert.Equal(["outbound|9080||ratings.default.svc.cluster.local", "outbound|9090||ratings.default.svc.cluster.local"], cds.Sent.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AutoMtls_IstioMutualCluster_AckedWithBootstrapCertificateProviders_NackedWithout()
    {
        // Instances that accept mTLS: auto mTLS makes every cluster ISTIO_MUTUAL, sent as an UpstreamTlsContext naming the
        // bootstrap's certificate provider instance "default" (istio-agent's file_watcher over the workload's PEM files).
        var config = TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1"), ("echo", _v2, "v2"));
        config["Mesh:Static:Services:echo:0:Labels:security.istio.io/tlsMode"] = "istio";
        config["Mesh:Static:Services:echo:1:Labels:security.istio.io/tlsMode"] = "istio";
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        await using var server = await TestMeshServer.StartAsync(config);
        var (providers, _) = await WriteWorkloadCertificatesAsync("client");
        await using (var withProviders = await NodeXdsClient.StartAsync(server.XdsPort, certificateProviders: providers))
        {
            // The client's channel credentials are insecure, so it ignores the TLS it accepted (gRFC A29) and calls in plaintext.
            var result = await withProviders.CallAsync(Target, count: 5);
            Assert.True(result.Count("v1") == 5, $"{result}; node stderr: {withProviders.Stderr}");
            Assert.Equal(0, server.Clients.TotalNacks);
            var cds = Assert.Single(server.Clients.GetStatus()).Types.Single(t => t.Type == "CDS");
            Assert.True(cds.SentVersion is not null && cds.AckedVersion == cds.SentVersion, $"CDS sent {cds.SentVersion}, ACKed {cds.AckedVersion}");
        }

        await using var without = await NodeXdsClient.StartAsync(server.XdsPort, nodeId: "sidecar~127.0.0.1~client-2.default~default.svc.cluster.local");
        _ = await without.CallAsync(Target, deadlineMs: 500);
        await Wait.UntilAsync(() => server.Clients.TotalNacks > 0, "the client without certificate_providers to NACK the ISTIO_MUTUAL cluster");
        var nack = server.Clients.GetStatus().Single(c => c.NodeId.Contains("client-2", StringComparison.Ordinal)).Types.Single(t => t.Type == "CDS").LastNack;
        Assert.Contains("instance_name: default", nack!.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes a workload's certificate chain, key and the mesh's roots from a local CA, and returns the bootstrap's certificate_providers naming them, as istio-agent writes it.</summary>
    private async Task<(System.Text.Json.Nodes.JsonObject Providers, LocalCa Ca)> WriteWorkloadCertificatesAsync(string serviceAccount)
    {
        var ca = LocalCa.Open(Path.Combine(_config.Path, "ca"), TimeProvider.System);
        using var leaf = ca.IssueLeaf(SpiffeId.Parse($"spiffe://cluster.local/ns/default/sa/{serviceAccount}"), TimeSpan.FromHours(1), TimeProvider.System);
        var files = Path.Combine(_config.Path, "certs");
        Directory.CreateDirectory(files);
        await File.WriteAllTextAsync(Path.Combine(files, "cert-chain.pem"), leaf.ExportCertificatePem(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(files, "key.pem"), System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(leaf)!.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(files, "root-cert.pem"), string.Concat(ca.RootCollection().Select(r => r.ExportCertificatePem() + "\n")), TestContext.Current.CancellationToken);
        var providers = new System.Text.Json.Nodes.JsonObject
        {
            ["default"] = new System.Text.Json.Nodes.JsonObject
            {
                ["plugin_name"] = "file_watcher",
                ["config"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["certificate_file"] = Path.Combine(files, "cert-chain.pem"),
                    ["private_key_file"] = Path.Combine(files, "key.pem"),
                    ["ca_certificate_file"] = Path.Combine(files, "root-cert.pem"),
                    ["refresh_interval"] = "900s",
                },
            },
        };
        return (providers, ca);
    }

    [Fact]
    public async Task AutoMtls_GrpcJsWithXdsCredentials_CallsOverMutualTls_AndRefusesAServerWithAnotherIdentity()
    {
        var (providers, ca) = await WriteWorkloadCertificatesAsync("client");
        using var echoCertificate = ca.IssueLeaf(SpiffeId.Parse("spiffe://cluster.local/ns/default/sa/echo"), TimeSpan.FromHours(1), TimeProvider.System);
        using var impostorCertificate = ca.IssueLeaf(SpiffeId.Parse("spiffe://cluster.local/ns/default/sa/impostor"), TimeSpan.FromHours(1), TimeProvider.System);
        await using var echo = await EchoBackend.StartAsync("echo-mtls", echoCertificate, ca.RootCollection());
        await using var other = await EchoBackend.StartAsync("other-mtls", impostorCertificate, ca.RootCollection());
        var config = TestMeshServer.StaticConfig(_config.Path, ("echo", echo, "v1"), ("other", other, "v1"));
        config["Mesh:Static:Services:echo:0:Labels:security.istio.io/tlsMode"] = "istio";
        config["Mesh:Static:Services:other:0:Labels:security.istio.io/tlsMode"] = "istio";
        _config.Write("echo-vs.yaml", VirtualService(("v1", 100)));
        await using var server = await TestMeshServer.StartAsync(config);
        await using var client = await NodeXdsClient.StartAsync(server.XdsPort, certificateProviders: providers, xdsCredentials: true);

        var secure = await client.CallAsync(Target, count: 5);
        var impostor = await client.CallAsync("xds:///other:50051", count: 2, deadlineMs: 1000);

        // The backends accept only client certificates of the mesh's CA, so an answer proves mutual TLS.
        Assert.True(secure.Count("echo-mtls") == 5, $"{secure}; node stderr: {client.Stderr}");
        Assert.True(impostor.Failures == 2 && other.Calls == 0, $"a server presenting spiffe://.../sa/impostor where .../sa/other is expected must be refused: {impostor}");
        Assert.Equal(0, server.Clients.TotalNacks);
    }

    private Task<TestMeshServer> StartServerAsync(int xdsPort = 0) =>
        TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1"), ("echo", _v2, "v2")), xdsPort);

    private static string VirtualService(params (string Subset, int Weight)[] destinations) => $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: echo
        spec:
          hosts:
          - echo
          http:
          - route:
        {string.Join("\n", destinations.Select(d => $"    - destination:\n        host: echo\n        subset: {d.Subset}\n      weight: {d.Weight}"))}
        """;
}
