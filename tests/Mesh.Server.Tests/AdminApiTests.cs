using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mesh.Server.Tests.Support;
using Mesh.Server.Xds;

namespace Mesh.Server.Tests;

/// <summary>The admin API on --port (HTTP/1.1), and meshctl status reading it.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private readonly TempDirectory _config = new();
    private EchoBackend _v1 = null!;

    public async ValueTask InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _config.Write("echo.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: echo
            spec:
              host: echo
              trafficPolicy:
                loadBalancer:
                  simple: RANDOM
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _v1.DisposeAsync();
        _config.Dispose();
    }

    [Fact]
    public async Task Endpoints_AnswerOnTheirOwnPortOnly()
    {
        await using var server = await StartServerAsync();
        using var http = new HttpClient();

        var health = await http.GetAsync(new Uri(server.AdminAddress, "/healthz"), TestContext.Current.CancellationToken);
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var healthOnXds = await h2.GetAsync(new Uri(server.XdsAddress, "/healthz"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, healthOnXds.StatusCode);
    }

    [Fact]
    public async Task Clients_And_Config_AreJson_AndMeshctlStatusListsTheClient()
    {
        await using var server = await StartServerAsync();
        await using var ads = new AdsTestClient(server.XdsAddress);
        var lds = await ads.RequestAsync(AdsTestClient.Request(XdsTypes.Listener, ["echo:50051"], node: AdsTestClient.Node()));
        await ads.SendAsync(AdsTestClient.Ack(lds, ["echo:50051"]));
        await Wait.UntilAsync(() => server.Clients.GetStatus() is [{ } c] && c.Types[0].AckedVersion == lds.VersionInfo, "the ACK to be recorded");
        using var http = new HttpClient { BaseAddress = server.AdminAddress };

        using var clients = JsonDocument.Parse(await http.GetStringAsync(new Uri("/admin/clients", UriKind.Relative), TestContext.Current.CancellationToken));
        var client = Assert.Single(clients.RootElement.GetProperty("clients").EnumerateArray().ToArray());
        Assert.Equal("sidecar~10.0.0.7~tester-1.default~default.svc.cluster.local", client.GetProperty("nodeId").GetString());
        var lis = Assert.Single(client.GetProperty("types").EnumerateArray().ToArray());
        Assert.Equal("LDS", lis.GetProperty("type").GetString());
        Assert.Equal(["echo:50051"], lis.GetProperty("subscribed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(lds.VersionInfo, lis.GetProperty("ackedVersion").GetString());
        Assert.Equal(JsonValueKind.Null, lis.GetProperty("lastNack").ValueKind);

        using var config = JsonDocument.Parse(await http.GetStringAsync(new Uri("/admin/config", UriKind.Relative), TestContext.Current.CancellationToken));
        Assert.Contains(config.RootElement.GetProperty("documents").EnumerateArray(), d => d.GetString()!.StartsWith("DestinationRule echo", StringComparison.Ordinal));
        Assert.Contains(config.RootElement.GetProperty("unsupported").EnumerateArray(), n => n.GetString()!.Contains("RANDOM", StringComparison.Ordinal));
        Assert.Equal(1, config.RootElement.GetProperty("instances").GetProperty("echo.default.svc.cluster.local").GetInt32());

        var (exit, output) = await MeshctlAsync("status", "--server", server.AdminAddress.ToString());
        Assert.True(exit == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^sidecar~10\.0\.0\.7~tester-1\.default~default\.svc\.cluster\.local\s+default\s+NOT SENT\s+SYNCED\s+NOT SENT\s+NOT SENT\s+0\s+Mesh\.Server\.Tests", lines[1]);
    }

    [Fact]
    public async Task MeshctlStatus_ServerUnreachable_ExitsTwo()
    {
        var (exit, output) = await MeshctlAsync("status", "--server", "http://127.0.0.1:1");

        Assert.True(exit == 2, output);
        Assert.Contains("cannot reach Mesh.Server", output, StringComparison.Ordinal);
    }

    private Task<TestMeshServer> StartServerAsync() =>
        TestMeshServer.StartAsync(TestMeshServer.StaticConfig(_config.Path, ("echo", _v1, "v1")));

    private static async Task<(int Exit, string Output)> MeshctlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "meshctl.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
