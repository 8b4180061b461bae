using Mesh.Registry.Consul;

namespace Mesh.Client.Tests.Registry.Consul;

public sealed class ConsulHealthHoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);

    // What Consul 1.8.7 reports, observed on this machine: a check that has not run yet (new, or restored
    // from the data directory after a restart) is critical with an empty Output; one that ran has text.
    private static readonly HealthCheck Serf = new() { CheckID = "serfHealth", Status = "passing", Output = "Agent alive and reachable" };
    private static readonly HealthCheck NotRunYet = new() { CheckID = "service:a", Status = "critical", Output = "" };
    private static readonly HealthCheck Ran = new() { CheckID = "service:a", Status = "passing", Output = "HTTP GET http://127.0.0.1:5000/mesh/health: 200 OK Output: Healthy" };
    private static readonly HealthCheck Failed = new() { CheckID = "service:a", Status = "critical", Output = "HTTP GET http://127.0.0.1:5000/mesh/health: 503 Service Unavailable Output: Unhealthy" };
    private static readonly HealthCheck Maintenance = new() { CheckID = "_service_maintenance:a", Status = "critical", Output = "" };
    private static readonly HealthCheck NodeMaintenance = new() { CheckID = "_node_maintenance", Status = "critical", Output = "" };
    private static readonly HealthCheck NodeDown = new() { CheckID = "serfHealth", Status = "critical", Output = "Agent not live or unreachable" };

    private static readonly Dictionary<string, ServiceEntry[]> Verdicts = new()
    {
        ["a check ran and failed"] = [Entry(Serf, Failed)],
        ["one ran and failed, one not run yet"] = [Entry(Serf, Failed), Entry(Serf, NotRunYet)],
        ["service maintenance"] = [Entry(Serf, Ran, Maintenance)],
        ["node maintenance"] = [Entry(NodeMaintenance, Serf, Ran)],
        ["the node is down"] = [Entry(NodeDown, Ran)],
    };

    private static ServiceEntry Entry(params HealthCheck[] checks) => new() { Checks = checks };

    [Fact]
    public void Evaluate_EveryInstanceCriticalWithChecksNotRunYet_HoldsForTheGrace_ThenApplies()
    {
        var hold = new ConsulHealthHold(Grace);
        ServiceEntry[] restored = [Entry(Serf, NotRunYet), Entry(Serf, NotRunYet)];

        Assert.Equal(T0 + Grace, hold.Evaluate(2, restored, T0));
        Assert.Equal(T0 + Grace, hold.Evaluate(2, restored, T0 + TimeSpan.FromSeconds(5))); // the hold counts from its first answer
        Assert.Equal(T0, hold.Since);
        Assert.Null(hold.Evaluate(2, restored, T0 + Grace));
    }

    [Fact]
    public void Evaluate_EveryInstanceVanished_Holds()
    {
        var hold = new ConsulHealthHold(Grace);
        Assert.Equal(T0 + Grace, hold.Evaluate(1, [], T0));
    }

    [Fact]
    public void Evaluate_TheServersThinkOurOwnAgentIsDown_WhileItAnswers_Holds()
    {
        // The first answer of a restarted agent: the servers have not seen it rejoin yet.
        var hold = new ConsulHealthHold(Grace);
        ServiceEntry[] entries = [Entry(NodeDown, Ran) with { Node = new ConsulNode { Node = "local" } }];

        Assert.Equal(T0 + Grace, hold.Evaluate(2, entries, T0, localNode: "local"));
        Assert.Null(new ConsulHealthHold(Grace).Evaluate(2, entries, T0, localNode: "other")); // another node down: a verdict
        Assert.Null(new ConsulHealthHold(Grace).Evaluate(2, entries, T0, localNode: null));
    }

    [Fact]
    public void Evaluate_AnInstancePassesAgain_EndsTheHold()
    {
        var hold = new ConsulHealthHold(Grace);
        Assert.NotNull(hold.Evaluate(2, [Entry(Serf, NotRunYet)], T0));
        Assert.Null(hold.Evaluate(2, [Entry(Serf, NotRunYet), Entry(Serf, Ran)], T0 + TimeSpan.FromSeconds(2)));
        Assert.Null(hold.Since);

        // A later artefact starts a new hold with a full grace.
        Assert.Equal(T0 + TimeSpan.FromSeconds(3) + Grace, hold.Evaluate(1, [], T0 + TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [InlineData("a check ran and failed")]
    [InlineData("one ran and failed, one not run yet")]
    [InlineData("service maintenance")]
    [InlineData("node maintenance")]
    [InlineData("the node is down")]
    public void Evaluate_ACheckGaveAVerdict_AppliesAtOnce(string verdict)
    {
        var hold = new ConsulHealthHold(Grace);
        Assert.Null(hold.Evaluate(2, Verdicts[verdict], T0));
    }


    [Fact]
    public void Evaluate_NothingInForce_AppliesTheEmptySet()
    {
        var hold = new ConsulHealthHold(Grace);
        Assert.Null(hold.Evaluate(0, [Entry(Serf, NotRunYet)], T0));
        Assert.Null(hold.Evaluate(0, [], T0));
    }

    [Fact]
    public void Evaluate_GraceZero_NeverHolds()
    {
        var hold = new ConsulHealthHold(TimeSpan.Zero);
        Assert.Null(hold.Evaluate(2, [Entry(Serf, NotRunYet)], T0));
    }
}
