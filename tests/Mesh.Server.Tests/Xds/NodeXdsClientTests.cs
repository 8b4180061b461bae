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
