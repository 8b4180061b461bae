using OpenTelemetry.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bookinfo;

/// <summary>
/// Istio's Bookinfo in one process: productpage, details, reviews v1/v2/v3 and ratings, each its own
/// Kestrel host on 127.0.0.1, each calling the others only through AddMesh() and logical names.
/// </summary>
public sealed class BookinfoApp : IAsyncDisposable
{
    private static readonly (string Service, string Version)[] Topology =
    [
        ("productpage", "v1"), ("details", "v1"), ("reviews", "v1"), ("reviews", "v2"), ("reviews", "v3"), ("ratings", "v1"),
    ];

    /// <summary>The label that marks an instance as serving mTLS (Istio's sidecar injector sets it on every pod).</summary>
    private const string TlsModeLabel = "security.istio.io/tlsMode";

    private readonly List<BookinfoInstance> _instances;

    private BookinfoApp(List<BookinfoInstance> instances, BookinfoDashboard? dashboard)
    {
        _instances = instances;
        Dashboard = dashboard;
    }

    /// <summary>Gets Mesh.Server's dashboard running beside the services, or null when <see cref="BookinfoOptions.Dashboard"/> is off.</summary>
    public BookinfoDashboard? Dashboard { get; }

    /// <summary>Gets every running instance.</summary>
    public IReadOnlyList<BookinfoInstance> Instances => _instances;

    /// <summary>Stops one instance gracefully (with the consul registry, it deregisters).</summary>
    public async Task StopInstanceAsync(BookinfoInstance instance)
    {
        _instances.Remove(instance);
        await instance.App.StopAsync().ConfigureAwait(false);
        await instance.App.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Gets productpage's instance.</summary>
    public BookinfoInstance ProductPage => Instances[0];

    /// <summary>Gets productpage's base address.</summary>
    public Uri ProductPageUrl => new($"http://127.0.0.1:{ProductPage.Port}/");

    /// <summary>Starts every service; returns once all of them listen.</summary>
    /// <exception cref="BookinfoPortInUseException">productpage's port is taken.</exception>
    public static async Task<BookinfoApp> StartAsync(BookinfoOptions options, CancellationToken cancellationToken = default)
    {
        // One port per instance, and one more: ratings' gRPC port (Kestrel serves HTTP/1.1 and cleartext HTTP/2 on separate
        // ports). xDS: Mesh.Server lists the instances, so they listen on fixed ports: productpage's, then one more each.
        var ports = options.Registry == "xds"
            ? [.. Enumerable.Range(options.ProductPagePort, Topology.Length + 1)]
            : PickPorts(options.ProductPagePort, Topology.Length + 1);
        var ratingsGrpcPort = ports[^1];
        var registry = new Dictionary<string, string?>();
        var perService = new Dictionary<string, int>();
        for (var i = 0; i < Topology.Length; i++)
        {
            var (service, version) = Topology[i];
            var n = perService[service] = perService.GetValueOrDefault(service) + 1;
            var prefix = $"Mesh:Static:Services:{service}:{n - 1}";
            registry[$"{prefix}:Address"] = "127.0.0.1";
            registry[$"{prefix}:Port"] = ports[i].ToString(CultureInfo.InvariantCulture);
            registry[$"{prefix}:Labels:app"] = service;
            registry[$"{prefix}:Labels:version"] = version;
            registry[$"{prefix}:ServiceAccount"] = ServiceAccount(service);
            if (options.Mtls)
            {
                // As a pod with Istio's sidecar: callers' auto mTLS calls an instance so labelled with ISTIO_MUTUAL.
                registry[$"{prefix}:Labels:{TlsModeLabel}"] = "istio";
            }

            if (service == "ratings")
            {
                // As a Kubernetes Service's ports: http 9080 (the instance's main port), grpc-ratings 9090.
                registry[$"{prefix}:Ports:0:Name"] = Ratings.GrpcPortName;
                registry[$"{prefix}:Ports:0:Port"] = Ratings.GrpcServicePort.ToString(CultureInfo.InvariantCulture);
                registry[$"{prefix}:Ports:0:TargetPort"] = ratingsGrpcPort.ToString(CultureInfo.InvariantCulture);
            }
        }

        var instances = new List<BookinfoInstance>();
        try
        {
            for (var i = 0; i < Topology.Length; i++)
            {
                var (service, version) = Topology[i];
                int? grpcPort = service == "ratings" ? ratingsGrpcPort : null;
                var app = Build(service, version, ports[i], grpcPort, registry, options);
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                instances.Add(new BookinfoInstance(service, version, ports[i], app, grpcPort, options.Mtls));
            }
        }
        catch
        {
            foreach (var instance in instances)
            {
                await instance.App.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        BookinfoDashboard? dashboard = null;
        if (options.Dashboard)
        {
            try
            {
                dashboard = await BookinfoDashboard.StartAsync(registry, options, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await new BookinfoApp(instances, null).DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return new BookinfoApp(instances, dashboard);
    }

    private static WebApplication Build(string service, string version, int port, int? grpcPort, Dictionary<string, string?> registry, BookinfoOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = $"bookinfo-{service}-{version}", ContentRootPath = AppContext.BaseDirectory });
        if (options.Registry == "consul")
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mesh:Registry"] = "Consul",
                ["Mesh:Consul:Address"] = options.ConsulAddress,
                ["Mesh:Consul:CheckInterval"] = options.ConsulCheckInterval.ToString("c", CultureInfo.InvariantCulture),
                ["Mesh:Consul:SnapshotPath"] = Path.Combine(options.StateDirectory, $"{service}-{version}.json"),
            });
            if (grpcPort is { } registered)
            {
                // Consul registers one port per instance: the main one, and the gRPC port as Meta port-grpc-ratings = 9090:<port>.
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Mesh:Consul:RegisterPort"] = port.ToString(CultureInfo.InvariantCulture),
                    ["Mesh:Consul:RegisterPorts:0:Name"] = Ratings.GrpcPortName,
                    ["Mesh:Consul:RegisterPorts:0:Port"] = Ratings.GrpcServicePort.ToString(CultureInfo.InvariantCulture),
                    ["Mesh:Consul:RegisterPorts:0:TargetPort"] = registered.ToString(CultureInfo.InvariantCulture),
                });
            }
        }
        else if (options.Registry == "xds")
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mesh:Registry"] = "Xds",
                ["Mesh:Xds:Bootstrap"] = WriteXdsBootstrap(service, version, options),
                ["Mesh:Xds:SnapshotPath"] = Path.Combine(options.StateDirectory, $"{service}-{version}.xds.json"),
            });
        }
        else
        {
            builder.Configuration.AddInMemoryCollection(registry);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Static:ConfigDirectory"] = options.ConfigDirectory });
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = service,
            // Istio's Bookinfo labels each pod app and version; selectors (PeerAuthentication, AuthorizationPolicy) match on them.
            ["Mesh:Labels:app"] = service,
            ["Mesh:Labels:version"] = version,
            ["Mesh:ServiceAccount"] = ServiceAccount(service),
        });
        if (options.Mtls)
        {
            // The local CA on every registry: Istio's service accounts (bookinfo-reviews...) differ from the service names,
            // which Consul's Connect CA cannot sign (its leaf names the service), and one machine runs all of Bookinfo.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Certificates:Source"] = "LocalCa" });
            if (options.CaDirectory is { } ca)
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Certificates:LocalCa:Directory"] = ca });
            }

            // Every endpoint serves mTLS with this service account's certificate, PERMISSIVE unless a PeerAuthentication says otherwise.
            builder.WebHost.UseMesh();
        }

        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddConsole(o => o.FormatterName = BookinfoConsoleFormatter.FormatterName)
            .AddConsoleFormatter<BookinfoConsoleFormatter, BookinfoConsoleFormatterOptions>(o => o.Service = $"{service}-{version}");
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            if (grpcPort is { } grpc)
            {
                // gRPC needs HTTP/2; without TLS, Kestrel speaks it only on a port that speaks nothing else.
                k.Listen(IPAddress.Loopback, grpc, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
            }
        });
        builder.Services.AddMesh();
        builder.Services.ConfigureHttpClientDefaults(b => b.AddMesh());
        // GET /metrics, for the dashboard. The six hosts share one process, and a meter listener sees every meter of the
        // process: each host keeps the instruments of its own IMeterFactory only (set once the host is built, before any
        // mesh instrument exists: they are created as the host starts).
        System.Diagnostics.Metrics.IMeterFactory? ownMeters = null;
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(Mesh.Telemetry.MeshTelemetry.MeterName)
            .AddView(i => ownMeters is not null && ReferenceEquals(i.Meter.Scope, ownMeters) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)); // each scrape counts as of now
        if (service == "ratings")
        {
            builder.Services.AddGrpc();
            builder.Services.AddSingleton<RatingsCalls>();
        }

        if (service == "reviews" && options.RatingsProtocol == BookinfoOptions.Grpc)
        {
            Reviews.AddRatingsGrpcClient(builder.Services);
        }

        var app = builder.Build();
        ownMeters = app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        app.MapGet("/health", () => Results.Ok(new { status = "Healthy", service, version }));
        app.MapPrometheusScrapingEndpoint();
        switch (service)
        {
            case "productpage":
                Bookinfo.ProductPage.Map(app);
                break;
            case "details":
                Details.Map(app);
                break;
            case "reviews":
                Reviews.Map(app, version, options.RatingsProtocol);
                break;
            case "ratings":
                Ratings.Map(app);
                break;
        }

        return app;
    }

    /// <summary>
    /// The service account a service runs as: Istio's Bookinfo gives each its own (<c>bookinfo-reviews</c>), and its
    /// AuthorizationPolicy samples name them (<c>cluster.local/ns/default/sa/bookinfo-productpage</c>).
    /// </summary>
    public static string ServiceAccount(string service) => $"bookinfo-{service}";

    /// <summary>
    /// Picks free loopback ports by binding port 0; the first is <paramref name="first"/> unless that is 0.
    /// A <paramref name="first"/> already in use is found here, before any host starts, so it ends as one
    /// line naming --port rather than as a host's failure to start, logged with its stack trace.
    /// </summary>
    /// <exception cref="BookinfoPortInUseException"><paramref name="first"/> is in use.</exception>
    /// <summary>The gRPC bootstrap of one instance, as istio-agent writes it: node id, namespace and labels (sourceLabels match on them).</summary>
    private static string WriteXdsBootstrap(string service, string version, BookinfoOptions options)
    {
        Directory.CreateDirectory(options.StateDirectory);
        var path = Path.Combine(options.StateDirectory, $"{service}-{version}.bootstrap.json");
        var bootstrap = new System.Text.Json.Nodes.JsonObject
        {
            ["xds_servers"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["server_uri"] = options.XdsAddress,
                ["channel_creds"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["type"] = "insecure" }),
            }),
            ["node"] = new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = $"sidecar~127.0.0.1~{service}-{version}.default~default.svc.cluster.local",
                ["locality"] = new System.Text.Json.Nodes.JsonObject(),
                ["metadata"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["NAMESPACE"] = "default",
                    ["LABELS"] = new System.Text.Json.Nodes.JsonObject { ["app"] = service, ["version"] = version },
                },
            },
        };
        File.WriteAllText(path, bootstrap.ToJsonString());
        return path;
    }

    private static int[] PickPorts(int first, int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            var ports = new int[count];
            for (var i = 0; i < count; i++)
            {
                if (i == 0 && first != 0)
                {
                    var own = new TcpListener(IPAddress.Loopback, first);
                    try
                    {
                        own.Start();
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
                    {
                        own.Dispose();
                        throw new BookinfoPortInUseException(first, ex);
                    }

                    listeners.Add(own);
                    ports[i] = first;
                    continue;
                }

                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
                ports[i] = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            return ports;
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>Stops every service.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Dashboard is { } dashboard)
        {
            await dashboard.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var instance in _instances.ToArray())
        {
            await instance.App.StopAsync().ConfigureAwait(false);
            await instance.App.DisposeAsync().ConfigureAwait(false);
        }
    }
}
