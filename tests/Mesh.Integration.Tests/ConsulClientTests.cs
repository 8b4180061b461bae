using System.Net;
using Mesh.Registry.Consul;

namespace Mesh.Integration.Tests;

public sealed class ConsulClientTests(ConsulFixture consul) : IClassFixture<ConsulFixture>, IDisposable
{
    private readonly ConsulClient _client = ConsulClient.Create(ConsulConnection.Resolve(consul.Agent.Address, null));
    private readonly string _prefix = $"test/{Guid.NewGuid():N}/";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetLeader_DevAgent_ReturnsItsServerAddress()
    {
        var leader = await _client.GetLeaderAsync(Ct);

        Assert.StartsWith("127.0.0.1:", leader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterService_ThenDeregister_HealthListsItOnlyInBetween()
    {
        var name = $"svc-{Guid.NewGuid():N}"[..16];
        await _client.RegisterServiceAsync(new AgentServiceRegistration { ID = $"{name}-1", Name = name, Address = "127.0.0.1", Port = 1234, Meta = new() { ["version"] = "v1" } }, Ct);

        var entries = (await _client.GetHealthServiceAsync(name, passingOnly: false, 0, TimeSpan.Zero, Ct)).Value;
        var entry = Assert.Single(entries);
        Assert.Equal($"{name}-1", entry.Service.ID);
        Assert.Equal(1234, entry.Service.Port);
        Assert.Equal("v1", entry.Service.Meta!["version"]);
        Assert.NotNull(await _client.GetAgentServiceAsync($"{name}-1", Ct));

        await _client.DeregisterServiceAsync($"{name}-1", Ct);

        Assert.Empty((await _client.GetHealthServiceAsync(name, passingOnly: false, 0, TimeSpan.Zero, Ct)).Value);
        Assert.Null(await _client.GetAgentServiceAsync($"{name}-1", Ct));
    }

    [Fact]
    public async Task HealthService_Passing_ExcludesInstancesWithFailingChecks()
    {
        var name = $"svc-{Guid.NewGuid():N}"[..16];
        await _client.RegisterServiceAsync(new AgentServiceRegistration { ID = $"{name}-ok", Name = name, Port = 1, Check = new AgentServiceCheck { TTL = "1m", Status = "passing" } }, Ct);
        await _client.RegisterServiceAsync(new AgentServiceRegistration { ID = $"{name}-bad", Name = name, Port = 2, Check = new AgentServiceCheck { TTL = "1m", Status = "critical" } }, Ct);

        var passing = (await _client.GetHealthServiceAsync(name, passingOnly: true, 0, TimeSpan.Zero, Ct)).Value;
        var all = (await _client.GetHealthServiceAsync(name, passingOnly: false, 0, TimeSpan.Zero, Ct)).Value;

        Assert.Equal([$"{name}-ok"], passing.Select(e => e.Service.ID));
        Assert.Equal(2, all.Length);
    }

    [Fact]
    public async Task Kv_PutGetListDelete_WithCheckAndSet()
    {
        var key = _prefix + "a";
        Assert.True(await _client.PutKeyAsync(key, "one", cas: 0, Ct));
        Assert.False(await _client.PutKeyAsync(key, "again", cas: 0, Ct)); // cas 0: only if absent

        var pair = await _client.GetKeyAsync(key, Ct);
        Assert.NotNull(pair);
        Assert.Equal("one", ConsulClient.DecodeValue(pair));

        Assert.False(await _client.PutKeyAsync(key, "stale", cas: pair.ModifyIndex + 1000, Ct));
        Assert.True(await _client.PutKeyAsync(key, "two", cas: pair.ModifyIndex, Ct));
        Assert.True(await _client.PutKeyAsync(_prefix + "b", "three", cas: null, Ct));

        var list = await _client.ListKeysAsync(_prefix, 0, TimeSpan.Zero, Ct);
        Assert.True(list.Found);
        Assert.Equal(["two", "three"], list.Value.OrderBy(p => p.Key, StringComparer.Ordinal).Select(ConsulClient.DecodeValue));

        var current = await _client.GetKeyAsync(key, Ct);
        Assert.False(await _client.DeleteKeyAsync(key, pair.ModifyIndex, Ct));
        Assert.True(await _client.DeleteKeyAsync(key, current!.ModifyIndex, Ct));
        Assert.Null(await _client.GetKeyAsync(key, Ct));
    }

    [Fact]
    public async Task ListKeys_NoKeys_IsNotFoundWithAnIndex()
    {
        var result = await _client.ListKeysAsync(_prefix + "none/", 0, TimeSpan.Zero, Ct);

        Assert.False(result.Found);
        Assert.Empty(result.Value);
        Assert.True(result.Index > 0);
    }

    [Fact]
    public async Task ListKeys_Blocking_ReturnsWhenAKeyChanges()
    {
        var first = await _client.ListKeysAsync(_prefix, 0, TimeSpan.Zero, Ct);
        var blocked = _client.ListKeysAsync(_prefix, Math.Max(first.Index, 1), TimeSpan.FromSeconds(30), Ct);
        await Task.Delay(200, Ct);
        Assert.False(blocked.IsCompleted, "a blocking query returned before anything changed");

        await _client.PutKeyAsync(_prefix + "x", "1", null, Ct);
        var changed = await blocked.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(changed.Index > first.Index);
        Assert.Equal(_prefix + "x", Assert.Single(changed.Value).Key);
    }

    [Fact]
    public async Task Token_IsSentAsXConsulToken()
    {
        using var client = ConsulClient.Create(ConsulConnection.Resolve(consul.Agent.Address, "not-a-real-token"));

        // The dev agent runs without ACLs, so any token is accepted; what matters is that the request carries it.
        var leader = await client.GetLeaderAsync(Ct);
        Assert.NotEmpty(leader);
    }

    [Fact]
    public async Task Unreachable_ThrowsConsulExceptionThatSaysSo()
    {
        using var client = ConsulClient.Create(ConsulConnection.Resolve("http://127.0.0.1:1", null));

        var ex = await Assert.ThrowsAsync<ConsulException>(() => client.GetLeaderAsync(Ct));

        Assert.True(ex.IsUnreachable);
        Assert.Contains("http://127.0.0.1:1/ is unreachable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequest_ThrowsWithConsulsStatusAndMessage()
    {
        var ex = await Assert.ThrowsAsync<ConsulException>(() => _client.RegisterServiceAsync(new AgentServiceRegistration { ID = "x", Name = "" }, Ct));

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("v1/agent/service/register", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _client.Dispose();
}
