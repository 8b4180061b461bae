using Microsoft.Extensions.Configuration;
using System.Net;
using Mesh.Hosting;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Integration.Tests;

/// <summary>A real Kestrel service on loopback that registers itself in Consul and answers with its instance id; its health can be switched.</summary>
internal sealed class Backend : IAsyncDisposable
{
    private Backend(WebApplication app, HealthSwitch health)
    {
        App = app;
        Health = health;
    }

    public WebApplication App { get; }

    public HealthSwitch Health { get; }

    public string InstanceId => App.Services.GetRequiredService<IOptions<MeshOptions>>().Value.InstanceId!;

    public int Port => new Uri(App.Urls.First()).Port;

    public static async Task<Backend> StartAsync(string consul, string service, string version, IDictionary<string, string?>? settings = null, bool useMesh = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        if (useMesh)
        {
            builder.WebHost.UseMesh();
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = service,
            ["Mesh:Labels:version"] = version,
            ["Mesh:Registry"] = "Consul",
            ["Mesh:Consul:Address"] = consul,
            ["Mesh:Consul:CheckInterval"] = "00:00:00.200",
            ["Mesh:Consul:SnapshotPath"] = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.json"),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var health = new HealthSwitch();
        builder.Services.AddSingleton(health);
        builder.Services.AddMesh();
        builder.Services.AddHealthChecks().AddCheck<HealthSwitchCheck>("switch");
        var app = builder.Build();
        app.MapGet("/", (IOptions<MeshOptions> o) => o.Value.InstanceId);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new Backend(app, health);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

internal sealed class HealthSwitch
{
    public volatile bool Healthy = true;
}

internal sealed class HealthSwitchCheck(HealthSwitch health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off by the test"));
}

/// <summary>A pure client (no server, no registration) with a meshed HttpClient.</summary>
internal sealed class MeshClient : IAsyncDisposable
{
    private MeshClient(IHost host) => Host = host;

    public IHost Host { get; }

    public MeshSnapshotProvider Provider => Host.Services.GetRequiredService<MeshSnapshotProvider>();

    public HttpClient Http => Host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("mesh");

    public static async Task<MeshClient> StartAsync(string consul, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Registry"] = "Consul",
            ["Mesh:Consul:Address"] = consul,
            ["Mesh:Consul:SnapshotPath"] = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.json"),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddMesh();
        builder.Services.AddHttpClient("mesh").AddMesh();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new MeshClient(host);
    }

    /// <summary>Calls http://{service}/ and returns the answering instance id, or the mesh's 503 reason.</summary>
    public async Task<string> CallAsync(string service)
    {
        using var response = await Http.GetAsync($"http://{service}:9080/", TestContext.Current.CancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)
            : $"{(int)response.StatusCode} {string.Join(",", response.Headers.TryGetValues(Mesh.Http.MeshHeaders.Reason, out var v) ? v : [])}";
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
