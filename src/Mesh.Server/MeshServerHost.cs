using System.Globalization;
using System.Net;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Registry.Consul;
using Mesh.Registry.Static;
using Mesh.Server.Admin;
using Mesh.Server.Xds;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Server;

/// <summary>
/// Builds Mesh.Server's host: the <c>Mesh</c> options of Mesh.Client (Registry, Static:*, Consul:*),
/// the same registry sources, ADS on <c>--xds-port</c> (HTTP/2 cleartext only: Kestrel's
/// Http1AndHttp2 without TLS speaks HTTP/1.1 alone) and the admin API on <c>--port</c> (HTTP/1.1).
/// </summary>
internal static partial class MeshServerHost
{
    public const int DefaultXdsPort = 15010;
    public const int DefaultAdminPort = 15014;

    private const string ListenerItem = "mesh.server.listener";
    private const string XdsListener = "xds";

    /// <summary>Builds the application from command-line arguments; <paramref name="configure"/> may replace services (tests).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var xdsPort = Port(builder.Configuration, "xds-port", DefaultXdsPort);
        var adminPort = Port(builder.Configuration, "port", DefaultAdminPort);
        var address = IPAddress.Any;
        if (builder.Configuration["address"] is { Length: > 0 } text && !IPAddress.TryParse(text, out address))
        {
            throw new ArgumentException($"--address '{text}' is not an IP address (use 0.0.0.0, 127.0.0.1, :: or another address of this host).");
        }

        var endpoints = new ServerEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, xdsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next => connection =>
                {
                    connection.Items[ListenerItem] = XdsListener;
                    return next(connection);
                });
                endpoints.Xds = listen;
            });
            kestrel.Listen(address, adminPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Admin = listen;
            });
        });

        var services = builder.Services;
        services.AddSingleton(endpoints);
        services.AddOptions<MeshOptions>().BindConfiguration(MeshOptions.SectionName).ValidateOnStart()
            .PostConfigure(static o => o.Consul.SnapshotPath ??= MeshStateFile.DefaultPath("mesh-server", o.Namespace)); // not a client's last-good-state file
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshOptions>, MeshOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StaticRegistry>();
        services.TryAddSingleton<ConsulRegistry>();
        services.TryAddSingleton<IMeshStateSource>(static sp =>
            string.Equals(sp.GetRequiredService<IOptions<MeshOptions>>().Value.Registry, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase)
                ? sp.GetRequiredService<ConsulRegistry>()
                : sp.GetRequiredService<StaticRegistry>());
        services.AddSingleton<XdsStateStore>();
        services.AddHostedService(static sp => sp.GetRequiredService<XdsStateStore>());
        services.AddSingleton<XdsClients>();
        services.AddMetrics();
        services.AddSingleton<XdsMetrics>();
        services.AddGrpc();
        services.AddOptions<Dashboard.DashboardOptions>().BindConfiguration(Dashboard.DashboardOptions.SectionName);
        services.AddSingleton<Dashboard.MetricsScraper>();
        services.AddHostedService(static sp => sp.GetRequiredService<Dashboard.MetricsScraper>());

        configure?.Invoke(builder);

        var app = builder.Build();

        // The ADS service answers on the xDS port only, the admin API on the admin port only.
        app.Use((context, next) =>
        {
            var onXds = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ListenerItem, out var listener) == true && Equals(listener, XdsListener);
            var isAds = context.Request.Path.StartsWithSegments("/envoy.service.discovery.v3.AggregatedDiscoveryService", StringComparison.Ordinal);
            if (onXds != isAds)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.MapGrpcService<AdsService>();
        AdminEndpoints.Map(app);
        Dashboard.DashboardEndpoints.Map(app);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.Server");
        app.Lifetime.ApplicationStarted.Register(() => Log.Listening(logger, endpoints.XdsEndpoint?.ToString() ?? "", endpoints.AdminEndpoint?.ToString() ?? ""));
        return app;
    }

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"--{key} '{text}' is not a port (0-65535; 0 picks a free one).");
        }

        return port;
    }

    private static partial class Log
    {
        [LoggerMessage(ServerEventIds.Listening, LogLevel.Information, "Mesh.Server: xDS (ADS, HTTP/2 cleartext) on {XdsEndpoint}; admin API (HTTP/1.1) on {AdminEndpoint}")]
        public static partial void Listening(ILogger logger, string xdsEndpoint, string adminEndpoint);
    }
}
