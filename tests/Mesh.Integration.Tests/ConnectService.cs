using System.Net;
using Mesh.Hosting;
using Mesh.Security;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Integration.Tests;

/// <summary>
/// A mesh service on loopback with UseMesh() and the Consul registry, its certificates from the default source (Consul
/// Connect's CA): <c>/</c> answers <c>SERVICE|PEER SPIFFE ID|PEER PRINCIPAL</c>; <c>/call/TARGET</c> calls another
/// service through the mesh and answers <c>STATUS BODY</c>.
/// </summary>
internal sealed class ConnectService : IAsyncDisposable
{
    private ConnectService(WebApplication app, string name)
    {
        App = app;
        Name = name;
    }

    public WebApplication App { get; }

    public string Name { get; }

    public int Port => new Uri(App.Urls.First()).Port;

    public MeshSecurity Security => App.Services.GetRequiredService<MeshSecurity>();

    public MeshCredentials Credentials => Security.Certificates.Current;

    public MeshSnapshotProvider Provider => App.Services.GetRequiredService<MeshSnapshotProvider>();

    public static async Task<ConnectService> StartAsync(string consul, string service, string keyPrefix, ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseMesh();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = service,
            ["Mesh:Labels:app"] = service,
            ["Mesh:Labels:version"] = "v1",
            ["Mesh:Registry"] = "Consul",
            ["Mesh:Consul:Address"] = consul,
            ["Mesh:Consul:KeyPrefix"] = keyPrefix,
            ["Mesh:Consul:CheckInterval"] = "00:00:00.500",
            ["Mesh:Consul:SnapshotPath"] = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.json"),
        });
        builder.Services.AddMesh();
        builder.Services.AddHealthChecks();
        builder.Services.AddHttpClient("mesh").AddMesh();
        var app = builder.Build();
        app.MapGet("/", (HttpContext context) =>
        {
            var peer = context.Features.Get<IMeshPeerIdentityFeature>();
            return $"{service}|{peer?.SpiffeId}|{peer?.Principal}";
        });
        app.MapGet("/call/{target}", async (string target, IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            using var response = await clients.CreateClient("mesh").GetAsync($"http://{target}:9080/", cancellationToken);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ConnectService(app, service);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
