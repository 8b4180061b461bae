using System.Globalization;
using Mesh.Server;
using Microsoft.Extensions.Logging.Console;

namespace Bookinfo;

/// <summary>
/// Mesh.Server inside Bookinfo's process, on the same registry as the services (the static instances and config
/// directory, or Consul): its dashboard scrapes every instance's <c>/metrics</c> and shows the service graph.
/// </summary>
public sealed class BookinfoDashboard : IAsyncDisposable
{
    private readonly WebApplication _server;

    private BookinfoDashboard(WebApplication server, Uri url)
    {
        _server = server;
        Url = url;
    }

    /// <summary>Gets the dashboard's address: <c>http://127.0.0.1:PORT/</c> (the admin port of Mesh.Server).</summary>
    public Uri Url { get; }

    /// <summary>Starts Mesh.Server on free loopback ports with <paramref name="registry"/> (the static registry's keys) or Consul.</summary>
    internal static async Task<BookinfoDashboard> StartAsync(IReadOnlyDictionary<string, string?> registry, BookinfoOptions options, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        if (options.Registry == "consul")
        {
            settings["Mesh:Registry"] = "Consul";
            settings["Mesh:Consul:Address"] = options.ConsulAddress;
            settings["Mesh:Consul:SnapshotPath"] = Path.Combine(options.StateDirectory, "mesh-server.json");
        }
        else
        {
            foreach (var (key, value) in registry)
            {
                settings[key] = value;
            }

            settings["Mesh:Static:ConfigDirectory"] = options.ConfigDirectory;
        }

        var server = MeshServerHost.Build(["--xds-port", "0", "--port", "0", "--address", "127.0.0.1"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(options.LogLevel);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
            builder.Logging.AddConsole(o => o.FormatterName = BookinfoConsoleFormatter.FormatterName)
                .AddConsoleFormatter<BookinfoConsoleFormatter, BookinfoConsoleFormatterOptions>(o => o.Service = "mesh-server");
        });
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var port = server.Services.GetRequiredService<ServerEndpoints>().AdminEndpoint!.Port;
        return new BookinfoDashboard(server, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")));
    }

    /// <summary>Stops Mesh.Server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
