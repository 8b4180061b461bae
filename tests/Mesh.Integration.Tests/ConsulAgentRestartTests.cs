using System.Diagnostics;
using Mesh.Configuration;
using Mesh.Registry.Consul;
using Mesh.Testing;

namespace Mesh.Integration.Tests;

/// <summary>
/// The local agent restarts under steady load (issue 13, fault 1): a client agent with a fixed node id,
/// joined to a server, killed with SIGKILL and started again, with or without its data directory.
/// The services and the meshed client all use the client agent, as Bookinfo on one machine does.
/// </summary>
public sealed class ConsulAgentRestartTests(ITestOutputHelper testOutput) : IAsyncLifetime
{
    private readonly ConsulAgent _server = new();
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];
    private ConsulAgent _agent = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _server.StartAsync();
        _agent = ConsulAgent.ClientOf(_server);
        await _agent.StartAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AgentKilledAndRestarted_UnderLoad_NoRequestFails(bool loseData)
    {
        var output = new Figures(testOutput, $"agent restart, data {(loseData ? "lost" : "kept")}");
        // Checks every 3 s (Consul runs the first one at a random point of the first interval), and the
        // default registration check interval (10 s): the registration must come back without it.
        var settings = new Dictionary<string, string?> { ["Mesh:Consul:CheckInterval"] = "00:00:03" };
        await using var a = await Backend.StartAsync(_agent.Address, _service, "v1", settings);
        await using var b = await Backend.StartAsync(_agent.Address, _service, "v2", settings);
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null));
        await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 2, "both backends to pass their checks", TimeSpan.FromSeconds(20));

        var logs = new LogRecorder();
        await using var client = await MeshClient.StartAsync(_agent.Address, null, logs);
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service}");
        await client.CallAsync(_service);
        var key = new ServiceKey(_service, "default");
        await Wait.UntilAsync(() => InForce(client, key) == 2, "both instances in force");

        await using var load = new SteadyLoad(client, _service, new HashSet<string> { a.InstanceId, b.InstanceId });
        await load.MoreAsync(50, "before the agent is killed");

        await _agent.KillAsync(loseData);
        var down = Stopwatch.StartNew();
        await load.MoreAsync(600, "while the agent is down", TimeSpan.FromSeconds(30));
        output.WriteLine($"agent down for {down.Elapsed.TotalSeconds:0.0} s (data directory {(loseData ? "lost" : "kept")})");

        var clock = Stopwatch.StartNew();
        _agent.Launch();
        await _agent.WaitForLeaderAsync();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: the agent answers and knows the leader");
        await Wait.UntilAsync(async () => await consul.GetAgentServiceAsync(a.InstanceId, Ct) is not null && await consul.GetAgentServiceAsync(b.InstanceId, Ct) is not null, "both backends to be registered with the restarted agent", TimeSpan.FromSeconds(20));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: both backends registered with the agent");
        await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 2, "both backends to pass their checks again", TimeSpan.FromSeconds(20));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: both pass their checks");
        await Wait.UntilAsync(() => InForce(client, key) == 2 && !logs.Matching("keeping the").Skip(logs.Matching("The hold on").Count()).Any(), "both instances in force again, with no hold pending", TimeSpan.FromSeconds(20));
        await load.MoreAsync(200, "after the agent is back");
        await load.StopAsync();

        foreach (var line in logs.Lines.Where(l => !l.Message.Contains("no healthy upstream", StringComparison.Ordinal)))
        {
            output.WriteLine($"{line.At.TotalSeconds,7:0.00} s {line.Category}: {line.Message}");
        }

        output.WriteLine(load.Describe());
        Assert.True(load.Failures.IsEmpty, load.Describe());
        var up = Assert.Single(logs.Matching("reachable again"));
        var seconds = double.Parse(up.Split("after ")[1].Split(" s")[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, down.Elapsed.TotalSeconds - clock.Elapsed.TotalSeconds - 1, down.Elapsed.TotalSeconds + 1);
    }

    [Fact]
    public async Task ColdStartFromTheStateFile_ThenTheAgentRestarts_UnderLoad_NoRequestFails()
    {
        var output = new Figures(testOutput, "cold start, then agent restart");
        var settings = new Dictionary<string, string?> { ["Mesh:Consul:CheckInterval"] = "00:00:03" };
        await using var a = await Backend.StartAsync(_agent.Address, _service, "v1", settings);
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null));
        await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, "the backend to pass its check", TimeSpan.FromSeconds(20));

        var statePath = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.state.json");
        var clientSettings = new Dictionary<string, string?> { ["Mesh:Consul:SnapshotPath"] = statePath };
        await using (var first = await MeshClient.StartAsync(_agent.Address, clientSettings))
        {
            Assert.Equal(a.InstanceId, await first.CallAsync(_service));
            await Wait.UntilAsync(() => File.Exists(statePath) && File.ReadAllText(statePath).Contains(a.InstanceId, StringComparison.Ordinal), "the state file to hold the backend");
        }

        // The agent goes down; a client starts from the state file; the agent comes back with its data
        // (the service restored, its check critical until it first runs).
        await _agent.KillAsync();
        var logs = new LogRecorder();
        await using var client = await MeshClient.StartAsync(_agent.Address, clientSettings, logs);
        await using var load = new SteadyLoad(client, _service, new HashSet<string> { a.InstanceId });
        await load.MoreAsync(100, "from the state file while the agent is down", TimeSpan.FromSeconds(30));
        _agent.Launch();
        await _agent.WaitForLeaderAsync();
        await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, "the backend to pass its check again", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(() => logs.Matching("reachable again").Any() && !logs.Matching("keeping the").Skip(logs.Matching("The hold on").Count()).Any(), "the client to follow Consul again, with no hold pending", TimeSpan.FromSeconds(20));
        await load.MoreAsync(200, "after the agent is back");
        await load.StopAsync();
        File.Delete(statePath);

        foreach (var line in logs.Lines.Where(l => l.Category.StartsWith("Mesh.Registry", StringComparison.Ordinal)))
        {
            output.WriteLine($"{line.At.TotalSeconds,7:0.00} s {line.Category}: {line.Message}");
        }

        output.WriteLine(load.Describe());
        Assert.True(load.Failures.IsEmpty, load.Describe());
    }

    private static int InForce(MeshClient client, ServiceKey key) =>
        client.Provider.Current.Instances.TryGetValue(key, out var instances) ? instances.Count : 0;

    public async ValueTask DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _server.DisposeAsync();
    }
}
