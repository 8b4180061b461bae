using Mesh.Configuration;
using Mesh.Registry.Consul;

namespace Mesh.Integration.Tests;

/// <summary>Registration, discovery and config through a real Consul agent.</summary>
public sealed class ConsulRegistryTests(ConsulFixture consul) : IClassFixture<ConsulFixture>, IDisposable
{
    private readonly ConsulClient _consul = ConsulClient.Create(ConsulConnection.Resolve(consul.Agent.Address, null));
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Address => consul.Agent.Address;

    private Dictionary<string, string?> Prefix(string prefix) => new() { ["Mesh:Consul:KeyPrefix"] = prefix };

    [Fact]
    public async Task Backend_RegistersWithMetaAndHttpCheck_AndDeregistersOnStop()
    {
        var backend = await Backend.StartAsync(Address, _service, "v7");
        await Wait.UntilAsync(async () => (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, $"{_service} to register and pass its check");

        var entry = (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value[0];
        Assert.Equal(backend.InstanceId, entry.Service.ID);
        Assert.Equal("127.0.0.1", entry.Service.Address);
        Assert.Equal(backend.Port, entry.Service.Port);
        Assert.Equal("v7", entry.Service.Meta!["version"]);
        Assert.Contains(entry.Checks, c => c.CheckID == $"service:{backend.InstanceId}" && c.Status == "passing");

        await backend.DisposeAsync();

        Assert.Empty((await _consul.GetHealthServiceAsync(_service, false, 0, TimeSpan.Zero, Ct)).Value);
    }

    [Fact]
    public async Task Backend_AgentForgetsIt_RegistersAgain()
    {
        await using var backend = await Backend.StartAsync(Address, _service, "v1", new Dictionary<string, string?> { ["Mesh:Consul:RegistrationCheckInterval"] = "00:00:00.200" });
        await Wait.UntilAsync(async () => await _consul.GetAgentServiceAsync(backend.InstanceId, Ct) is not null, "the first registration");

        // What an agent restart looks like to the service: the agent no longer knows it.
        await _consul.DeregisterServiceAsync(backend.InstanceId, Ct);

        await Wait.UntilAsync(async () => await _consul.GetAgentServiceAsync(backend.InstanceId, Ct) is not null, "the service to register again");
    }

    [Fact]
    public async Task Client_FirstCallLoadsInstances_AndRoundRobinsOverThem()
    {
        await using var v1 = await Backend.StartAsync(Address, _service, "v1");
        await using var v2 = await Backend.StartAsync(Address, _service, "v2");
        await WaitPassingAsync(2);
        await using var client = await MeshClient.StartAsync(Address, Prefix($"t/{_service}/"));
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service} from the catalog");

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await client.CallAsync(_service));
        }

        Assert.Equal(3, answers.Count(a => a == v1.InstanceId));
        Assert.Equal(3, answers.Count(a => a == v2.InstanceId));
    }

    [Fact]
    public async Task FailingCheck_InstanceStopsGettingTraffic_AndReturnsWhenHealthy()
    {
        await using var good = await Backend.StartAsync(Address, _service, "v1");
        await using var bad = await Backend.StartAsync(Address, _service, "v1");
        await WaitPassingAsync(2);
        await using var client = await MeshClient.StartAsync(Address, Prefix($"t/{_service}/"));
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service}");
        await client.CallAsync(_service);

        bad.Health.Healthy = false;
        await Wait.UntilAsync(() => Endpoints(client).Count == 1, "the failing instance to leave the client's snapshot");

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(good.InstanceId, await client.CallAsync(_service));
        }

        bad.Health.Healthy = true;
        await Wait.UntilAsync(() => Endpoints(client).Count == 2, "the instance to come back once its check passes");
    }

    [Fact]
    public async Task KvWrite_IsApplied_AndAnInvalidDocumentIsRejectedWithTheLastGoodKept()
    {
        var prefix = $"t/{_service}/";
        await using var v1 = await Backend.StartAsync(Address, _service, "v1");
        await using var v2 = await Backend.StartAsync(Address, _service, "v2");
        await WaitPassingAsync(2);
        await using var client = await MeshClient.StartAsync(Address, Prefix(prefix));

        await PutAsync(prefix, "destinationrule", _service, $$$"""{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"{{{_service}}}"},"spec":{"host":"{{{_service}}}","subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"}}]}}""");
        await PutAsync(prefix, "virtualservice", _service, Route("v2"));
        await Wait.UntilAsync(() => client.Provider.Current.Documents.Count == 2, "the client to apply both documents");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(v2.InstanceId, await client.CallAsync(_service));
        }

        var version = client.Provider.Current.Version;
        await PutAsync(prefix, "virtualservice", _service, Route("v2."));
        await Wait.UntilAsync(() => client.Provider.RejectedUpdates > 0, "the client to reject subset 'v2.'");

        var error = Assert.Single(client.Provider.LastRejection!.Errors);
        Assert.Contains("'v2.' is not defined by any DestinationRule", error.Message, StringComparison.Ordinal);
        Assert.Equal(version, client.Provider.Current.Version);
        Assert.Equal(v2.InstanceId, await client.CallAsync(_service));

        await PutAsync(prefix, "virtualservice", _service, Route("v1"));
        await Wait.UntilAsync(() => client.Provider.Current.Version > version, "the client to apply the corrected document");
        Assert.Equal(v1.InstanceId, await client.CallAsync(_service));
    }

    [Fact]
    public async Task KvDocumentUnderTheWrongKey_IsRejectedWithTheKeyItBelongsAt()
    {
        var prefix = $"t/{_service}/";
        await using var client = await MeshClient.StartAsync(Address, Prefix(prefix));
        var version = client.Provider.Current.Version;

        await _consul.PutKeyAsync($"{prefix}virtualservice/default/wrong-name", Route("v1"), null, Ct);

        await Wait.UntilAsync(() => client.Provider.RejectedUpdates > 0, "the client to reject the misplaced document");
        Assert.Contains(client.Provider.LastRejection!.Errors, e => e.Message.Contains($"store it at '{prefix}virtualservice/default/{_service}'", StringComparison.Ordinal));
        Assert.Equal(version, client.Provider.Current.Version);
    }

    private string Route(string subset) =>
        $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"{{{_service}}}"},"spec":{"hosts":["{{{_service}}}"],"http":[{"route":[{"destination":{"host":"{{{_service}}}","subset":"{{{subset}}}"}}]}]}}""";

    private Task PutAsync(string prefix, string kind, string name, string json) =>
        _consul.PutKeyAsync($"{prefix}{kind}/default/{name}", json, null, Ct);

    private List<string> Endpoints(MeshClient client) =>
        client.Provider.Current.Clusters.Values.Where(c => c.Service.Name == _service && c.Subset is null).SelectMany(c => c.Endpoints).Where(e => e.Health == Mesh.Snapshot.EndpointHealth.Healthy).Select(e => e.Id).ToList();

    private Task WaitPassingAsync(int count) =>
        Wait.UntilAsync(async () => (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == count, $"{count} passing instances of {_service}");

    public void Dispose() => _consul.Dispose();
}
