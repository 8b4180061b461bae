using System.Net;
using Mesh.Cli;
using Mesh.Registry.Consul;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Integration.Tests;

/// <summary>meshctl and a service pointed at an HTTP server that is not Consul: an error naming the address, never an empty mesh.</summary>
public sealed class NotConsulTests : IAsyncLifetime
{
    private WebApplication _web = null!;

    private string Address => _web.Urls.First();

    public async ValueTask InitializeAsync()
    {
        // A web server that answers 404 to what it does not know, and 200 with an empty JSON array to /v1/kv.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _web = builder.Build();
        _web.MapGet("/v1/kv/{**key}", () => Results.Json(Array.Empty<string>()));
        _web.MapGet("/v1/status/leader", () => Results.Text("<html>hello</html>", "text/html"));
        await _web.StartAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("get", "virtualservices")]
    [InlineData("describe", "service", "reviews")]
    public async Task MeshCtl_NotConsul_ExitsTwoNamingTheAddress(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MeshCtl.RunAsync([.. args, "--consul", Address], new StringReader(""), output, error, TestContext.Current.CancellationToken);

        Assert.Equal(MeshCtl.Unreachable, code);
        Assert.Contains($"not a Consul agent at {Address}/", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("No resources found", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_NotConsul_LogsThatItIsNotConsul()
    {
        var logs = new LogRecorder();
        await using var client = await MeshClient.StartAsync(Address, null, logs);
        Assert.Contains(logs.Lines, l => l.Message.Contains($"not a Consul agent at {Address}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConsulClient_NotConsul_ThrowsUnreachable()
    {
        using var consul = ConsulClient.Create(ConsulConnection.Resolve(Address, null));
        var kv = await Assert.ThrowsAsync<ConsulException>(() => consul.ListKeysAsync("mesh/config/", 0, TimeSpan.Zero, TestContext.Current.CancellationToken));
        Assert.True(kv.IsUnreachable);
        Assert.StartsWith($"not a Consul agent at {Address}/: GET /v1/kv/mesh/config/ answered 200 OK, and its answer has no X-Consul-Index header", kv.Message, StringComparison.Ordinal);
        var health = await Assert.ThrowsAsync<ConsulException>(() => consul.GetHealthServiceAsync("reviews", false, 0, TimeSpan.Zero, TestContext.Current.CancellationToken));
        Assert.Contains("answered 404 Not Found", health.Message, StringComparison.Ordinal);
        var leader = await Assert.ThrowsAsync<ConsulException>(() => consul.GetLeaderAsync(TestContext.Current.CancellationToken));
        Assert.Contains("is not Consul's JSON", leader.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await _web.DisposeAsync();
}
