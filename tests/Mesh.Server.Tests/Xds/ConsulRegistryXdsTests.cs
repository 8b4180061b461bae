using Mesh.Registry.Consul;
using Mesh.Server.Tests.Support;
using Mesh.Testing;

namespace Mesh.Server.Tests.Xds;

/// <summary>Mesh.Server on the Consul registry (a real Consul dev agent): every catalog service warmed, config from KV, changes pushed to grpc-js-xds.</summary>
public sealed class ConsulRegistryXdsTests : IAsyncLifetime
{
    private readonly ConsulAgent _agent = new();
    private readonly TempDirectory _state = new();
    private ConsulClient _consul = null!;
    private EchoBackend _v1 = null!;
    private EchoBackend _v2 = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _agent.StartAsync();
        _consul = ConsulClient.Create(ConsulConnection.From(new Mesh.Hosting.ConsulRegistryOptions { Address = _agent.Address }));
        _v1 = await EchoBackend.StartAsync("v1");
        _v2 = await EchoBackend.StartAsync("v2");
    }

    public async ValueTask DisposeAsync()
    {
        _consul.Dispose();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        await _agent.DisposeAsync();
        _state.Dispose();
    }

    [Fact]
    public async Task ConsulRegistry_EveryServiceWarmed_KvChangesPushed()
    {
        await RegisterAsync("echo", _v1, "v1");
        await RegisterAsync("other", _v2, "v1");
        await _consul.PutKeyAsync("mesh/config/destinationrule/default/echo", """{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"echo"},"spec":{"host":"echo","subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}}]}}""", null, Ct);
        await _consul.PutKeyAsync("mesh/config/virtualservice/default/echo", Route("v1"), null, Ct);

        await using var server = await TestMeshServer.StartAsync(new Dictionary<string, string?>
        {
            ["Mesh:Registry"] = "Consul",
            ["Mesh:Consul:Address"] = _agent.Address,
            ["Mesh:Consul:SnapshotPath"] = Path.Combine(_state.Path, "mesh-server.state.json"),
        });

        // Both services loaded before serving, though no client asked for either.
        var state = server.Store.Current.State;
        Assert.Empty(state.ColdServices);
        Assert.Single(state.Instances[new Mesh.Configuration.ServiceKey("echo", "default")]);
        Assert.Single(state.Instances[new Mesh.Configuration.ServiceKey("other", "default")]);

        await using var client = await NodeXdsClient.StartAsync(server.XdsPort);
        var first = await client.CallAsync("xds:///echo:9080", count: 5);
        Assert.True(first.Count("v1") == 5, first.ToString());

        await RegisterAsync("echo", _v2, "v2");
        await _consul.PutKeyAsync("mesh/config/virtualservice/default/echo", Route("v2"), null, Ct);
        await Wait.UntilAsync(async () => (await client.CallAsync("xds:///echo:9080")).Count("v2") == 1, "the client to route to the new v2 instance after the KV change");
        Assert.Equal(0, server.Clients.TotalNacks);
    }

    private Task RegisterAsync(string service, EchoBackend backend, string version) =>
        _consul.RegisterServiceAsync(
            new AgentServiceRegistration { ID = $"{service}-{backend.Name}", Name = service, Address = "127.0.0.1", Port = backend.Port, Meta = new() { ["version"] = version } },
            Ct);

    private static string Route(string subset) =>
        $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"echo"},"spec":{"hosts":["echo"],"http":[{"route":[{"destination":{"host":"echo","subset":"{{{subset}}}"}}]}]}}""";
}
