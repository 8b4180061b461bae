using System.Globalization;
using Mesh.Server.Xds;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Server.Tests.Support;

/// <summary>Mesh.Server in-process: the real host (Kestrel on loopback, port 0 unless given), configured by a replaceable configuration source, logs captured.</summary>
internal sealed class TestMeshServer : IAsyncDisposable
{
    private TestMeshServer(WebApplication app, MutableConfigurationSource.Provider config)
    {
        App = app;
        Config = config;
        var endpoints = app.Services.GetRequiredService<ServerEndpoints>();
        XdsPort = endpoints.XdsEndpoint!.Port;
        AdminPort = endpoints.AdminEndpoint!.Port;
    }

    public WebApplication App { get; }

    public MutableConfigurationSource.Provider Config { get; }

    public int XdsPort { get; }

    public int AdminPort { get; }

    public XdsStateStore Store => App.Services.GetRequiredService<XdsStateStore>();

    public XdsClients Clients => App.Services.GetRequiredService<XdsClients>();

    public FakeLogCollector Logs => App.Services.GetFakeLogCollector();

    public Uri XdsAddress => new($"http://127.0.0.1:{XdsPort}");

    public Uri AdminAddress => new($"http://127.0.0.1:{AdminPort}");

    public static async Task<TestMeshServer> StartAsync(IDictionary<string, string?> config, int xdsPort = 0, Action<WebApplicationBuilder>? configure = null)
    {
        var source = new MutableConfigurationSource();
        var app = MeshServerHost.Build(
            ["--xds-port", xdsPort.ToString(CultureInfo.InvariantCulture), "--port", "0", "--address", "127.0.0.1"],
            builder =>
            {
                ((IConfigurationBuilder)builder.Configuration).Add(source);
                builder.Logging.ClearProviders();
                builder.Logging.AddFakeLogging();
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
                configure?.Invoke(builder);
            });
        source.Current.Replace(config);
        await app.StartAsync();
        return new TestMeshServer(app, source.Current);
    }

    /// <summary>Configuration of the static registry: the config directory and the instances (service, backend, version label).</summary>
    public static Dictionary<string, string?> StaticConfig(string? configDirectory, params (string Service, EchoBackend Backend, string Version)[] instances)
    {
        var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (configDirectory is not null)
        {
            config["Mesh:Static:ConfigDirectory"] = configDirectory;
        }

        foreach (var group in instances.GroupBy(i => i.Service))
        {
            var i = 0;
            foreach (var (service, backend, version) in group)
            {
                var prefix = $"Mesh:Static:Services:{service}:{i++}";
                config[$"{prefix}:Address"] = "127.0.0.1";
                config[$"{prefix}:Port"] = backend.Port.ToString(CultureInfo.InvariantCulture);
                config[$"{prefix}:Labels:version"] = version;
                config[$"{prefix}:Id"] = backend.Name;
            }
        }

        return config;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
