using System.Diagnostics;
using Mesh.Configuration;
using Mesh.Registry.Consul;
using Mesh.Testing;

namespace Mesh.Integration.Tests;

/// <summary>
/// A 3-server Consul cluster (default Raft timing, as in production) with a client agent that the
/// services and the meshed client use: the leader is killed under steady load.
/// </summary>
public sealed class ConsulClusterTests(ITestOutputHelper testOutput) : IAsyncLifetime
{
    private readonly ConsulAgent[] _servers = ConsulAgent.Cluster(3);
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];
    private ConsulAgent _agent = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        foreach (var server in _servers)
        {
            server.Launch();
        }

        foreach (var server in _servers)
        {
            await server.WaitForLeaderAsync();
        }

        _agent = ConsulAgent.ClientOf(_servers[0]);
        await _agent.StartAsync();
    }

    [Fact]
    public async Task LeaderKilled_UnderLoad_NoRequestFails_AndAChangeIsFollowedAfterTheElection()
    {
        var output = new Figures(testOutput, "leader killed");
        await using var a = await Backend.StartAsync(_agent.Address, _service, "v1");
        await using var b = await Backend.StartAsync(_agent.Address, _service, "v2");
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(_agent.Address, null));
        await Wait.UntilAsync(async () => (await consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 2, "both backends to pass their checks", TimeSpan.FromSeconds(20));

        var logs = new LogRecorder();
        var prefix = $"t/{_service}/";
        await using var client = await MeshClient.StartAsync(_agent.Address, new Dictionary<string, string?> { ["Mesh:Consul:KeyPrefix"] = prefix }, logs);
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service}");
        await client.CallAsync(_service);
        await Wait.UntilAsync(() => client.Provider.Current.Instances.TryGetValue(new ServiceKey(_service, "default"), out var i) && i.Count == 2, "both instances in force");

        await using var load = new SteadyLoad(client, _service, new HashSet<string> { a.InstanceId, b.InstanceId });
        await load.MoreAsync(50, "before the leader is killed");

        var leaderAddress = await _agent.LeaderAsync();
        var leader = _servers.Single(s => s.ServerAddress == leaderAddress);
        var followers = _servers.Where(s => s != leader).ToArray();
        await leader.KillAsync();
        var clock = Stopwatch.StartNew();
        await Wait.UntilAsync(
            async () => await followers[0].LeaderAsync() is { Length: > 0 } l && l != leaderAddress,
            "a new leader among the two remaining servers",
            TimeSpan.FromSeconds(45));
        var election = clock.Elapsed;
        output.WriteLine($"new leader after {election.TotalSeconds:0.0} s; {load.Sent} requests sent so far");

        // A change with one server of three down: the client follows it.
        var vs = $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"{{{_service}}}"},"spec":{"hosts":["{{{_service}}}"],"http":[{"route":[{"destination":{"host":"{{{_service}}}"}}],"timeout":"5s"}]}}""";
        clock.Restart();
        Assert.True(await consul.PutKeyAsync($"{prefix}virtualservice/default/{_service}", vs, null, Ct));
        var written = clock.Elapsed;
        await Wait.UntilAsync(() => client.Provider.Current.Documents.Count == 1, "the client to apply the VirtualService written after the election", TimeSpan.FromSeconds(20));
        output.WriteLine($"change written in {written.TotalMilliseconds:0} ms, in force in the client {clock.Elapsed.TotalMilliseconds:0} ms after the write began");

        // A second change, with the watches settled and one server still down.
        var dr = $$$"""{"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"{{{_service}}}"},"spec":{"host":"{{{_service}}}","subsets":[{"name":"v1","labels":{"version":"v1"}}]}}""";
        clock.Restart();
        Assert.True(await consul.PutKeyAsync($"{prefix}destinationrule/default/{_service}", dr, null, Ct));
        await Wait.UntilAsync(() => client.Provider.Current.Documents.Count == 2, "the client to apply a second change with one server down", TimeSpan.FromSeconds(20));
        output.WriteLine($"second change in force in the client {clock.Elapsed.TotalMilliseconds:0} ms after the write began");

        await load.MoreAsync(100, "after the changes");
        await load.StopAsync();
        foreach (var line in logs.Lines.Where(l => l.Category.StartsWith("Mesh.Registry", StringComparison.Ordinal)))
        {
            output.WriteLine($"{line.At.TotalSeconds,7:0.00} s {line.Category}: {line.Message}");
        }

        output.WriteLine(load.Describe());
        Assert.True(load.Failures.IsEmpty, load.Describe());
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
