using Mesh.Testing;
using Mesh.Registry.Consul;

namespace Mesh.Integration.Tests;

/// <summary>Consul going away and coming back, with an agent of the test's own (it is stopped and restarted).</summary>
public sealed class ConsulOutageTests : IAsyncLifetime
{
    private readonly ConsulAgent _agent = new();
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.state.json");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(_agent.StartAsync());

    [Fact]
    public async Task AgentStopsUnderTraffic_NoRequestFails_AndChangesFlowAgainAfterItReturns()
    {
        var settings = new Dictionary<string, string?> { ["Mesh:Consul:RegistrationCheckInterval"] = "00:00:00.200" };
        await using var a = await Backend.StartAsync(_agent.Address, _service, "v1", settings);
        await using var b = await Backend.StartAsync(_agent.Address, _service, "v2", settings);
        using (var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null)))
        {
            await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 2, "both backends to pass their checks");
        }

        await using var client = await MeshClient.StartAsync(_agent.Address, new Dictionary<string, string?> { ["Mesh:Consul:SnapshotPath"] = _statePath });
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service}");
        await client.CallAsync(_service);

        // Traffic runs while the agent is stopped: every request is routed from the last snapshot.
        using var traffic = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!traffic.IsCancellationRequested)
            {
                var answer = await client.CallAsync(_service);
                Interlocked.Increment(ref sent);
                if (answer != a.InstanceId && answer != b.InstanceId)
                {
                    failures.Add(answer);
                }
            }
        }, Ct);

        await Wait.UntilAsync(() => Volatile.Read(ref sent) >= 50, "50 requests before the outage");

        // Raise the KV index the config watch holds well above what the restarted agent will reach (a folder key: no document).
        using (var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null)))
        {
            for (var i = 0; i < 150; i++)
            {
                await consul.PutKeyAsync("mesh/config/folder/", i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, Ct);
            }
        }

        await _agent.StopAsync();
        var atStop = Volatile.Read(ref sent);
        await Wait.UntilAsync(() => Volatile.Read(ref sent) >= atStop + 300, "300 requests routed while Consul is down");

        await _agent.StartAsync();
        await traffic.CancelAsync();
        await load;
        Assert.Empty(failures);
        Assert.True(sent > 20, $"only {sent} requests were sent");

        // The agent came back empty (a dev agent keeps nothing): the backends register again, and new config flows.
        using var fresh = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null));
        await Wait.UntilAsync(async () => (await fresh.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 2, "both backends to register again with the restarted agent");
        await fresh.PutKeyAsync($"mesh/config/destinationrule/default/{_service}", $$$"""{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"{{{_service}}}"},"spec":{"host":"{{{_service}}}","subsets":[{"name":"v2","labels":{"version":"v2"}}]}}""", null, Ct);
        await fresh.PutKeyAsync($"mesh/config/virtualservice/default/{_service}", $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"{{{_service}}}"},"spec":{"hosts":["{{{_service}}}"],"http":[{"route":[{"destination":{"host":"{{{_service}}}","subset":"v2"}}]}]}}""", null, Ct);
        // The restarted dev agent is a new cluster whose index is far below the watches' last one: a blocking
        // query with the old index would wait out WaitTime (5 minutes). The read after the outage does not block.
        await Wait.UntilAsync(() => client.Provider.Current.Documents.Count == 2, "the client to apply config written after the agent came back (a new cluster, lower index)", TimeSpan.FromSeconds(5));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(b.InstanceId, await client.CallAsync(_service));
        }
    }

    [Fact]
    public async Task ColdStart_ConsulDown_RoutesFromThePersistedState()
    {
        await using var backend = await Backend.StartAsync(_agent.Address, _service, "v1");
        using (var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null)))
        {
            await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, "the backend to pass its check");
        }

        var settings = new Dictionary<string, string?> { ["Mesh:Consul:SnapshotPath"] = _statePath };
        await using (var first = await MeshClient.StartAsync(_agent.Address, settings))
        {
            await Wait.UntilAsync(() => first.Provider.Routes.TryGetService(_service, out _), $"the first client to learn {_service}");
            Assert.Equal(backend.InstanceId, await first.CallAsync(_service));
            await Wait.UntilAsync(() => File.Exists(_statePath) && File.ReadAllText(_statePath).Contains(backend.InstanceId, StringComparison.Ordinal), "the state file to hold the backend");
        }

        await _agent.StopAsync();

        await using var second = await MeshClient.StartAsync(_agent.Address, settings);
        Assert.Equal(backend.InstanceId, await second.CallAsync(_service));
    }

    public async ValueTask DisposeAsync()
    {
        await _agent.DisposeAsync();
        File.Delete(_statePath);
    }
}
