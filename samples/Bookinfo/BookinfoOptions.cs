namespace Bookinfo;

/// <summary>How to start Bookinfo.</summary>
public sealed class BookinfoOptions
{
    /// <summary>The value of <see cref="RatingsProtocol"/> for reviews' calls to ratings' HTTP API.</summary>
    public const string Http = "http";

    /// <summary>The value of <see cref="RatingsProtocol"/> for reviews' calls to ratings' gRPC API.</summary>
    public const string Grpc = "grpc";

    /// <summary>Gets or sets productpage's port; 0 picks a free one.</summary>
    public int ProductPagePort { get; set; } = 9080;

    /// <summary>Gets or sets the directory of mesh config files (hot-reloaded); null for no rules.</summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>Gets or sets the registry: <c>static</c> (instances wired in-process, config from <see cref="ConfigDirectory"/>) or <c>consul</c>.</summary>
    public string Registry { get; set; } = "static";

    /// <summary>Gets or sets Consul's HTTP address for the consul registry; null: CONSUL_HTTP_ADDR, else http://127.0.0.1:8500.</summary>
    public string? ConsulAddress { get; set; }

    /// <summary>Gets or sets how often Consul checks each instance's health.</summary>
    public TimeSpan ConsulCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the directory where each instance persists its last good mesh state (consul registry): one per
    /// run by default, so it can never be a config directory a walkthrough step points at, nor another run's.
    /// </summary>
    public string StateDirectory { get; set; } = Path.Combine(Path.GetTempPath(), $"bookinfo-mesh-state-{Environment.ProcessId}");

    /// <summary>
    /// Gets or sets how reviews v2 and v3 call ratings: <see cref="Http"/> (<c>GET http://ratings:9080/ratings/{id}</c>) or
    /// <see cref="Grpc"/> (<c>bookinfo.ratings.v1.Ratings/GetRatings</c> on <c>http://ratings:9090</c>, a mesh channel).
    /// ratings serves both either way.
    /// </summary>
    public string RatingsProtocol { get; set; } = Http;

    /// <summary>
    /// Gets or sets a value indicating whether Mesh.Server runs beside the services, on the same registry, for its dashboard.
    /// Off by default here; the command line turns it on (<c>--no-dashboard</c> leaves it off).
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>Gets or sets the steady load on productpage, in requests per second (<c>--load RPS</c>); 0 for none.</summary>
    public double LoadRequestsPerSecond { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>--help</c> was asked for: print <see cref="Usage"/> and start nothing.</summary>
    public bool Help { get; set; }

    /// <summary>Gets or sets the minimum log level of the services.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;

    /// <summary>Parses command-line arguments: <c>--port N</c>, <c>--config-dir DIR</c>, <c>--registry R</c>, <c>--consul ADDR</c>, <c>--ratings-protocol P</c>, <c>--verbose</c>, <c>--help</c>.</summary>
    public static BookinfoOptions Parse(string[] args)
    {
        var options = new BookinfoOptions { Dashboard = true };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var port) && port is >= 0 and <= 65535:
                    options.ProductPagePort = port;
                    i++;
                    break;
                case "--config-dir" when i + 1 < args.Length:
                    options.ConfigDirectory = args[++i];
                    break;
                case "--registry" when i + 1 < args.Length && args[i + 1] is "static" or "consul":
                    options.Registry = args[++i];
                    break;
                case "--ratings-protocol" when i + 1 < args.Length && args[i + 1] is Http or Grpc:
                    options.RatingsProtocol = args[++i];
                    break;
                case "--consul" when i + 1 < args.Length:
                    options.ConsulAddress = args[++i];
                    break;
                case "--load" when i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rps) && rps is >= 0.1 and <= 10000:
                    options.LoadRequestsPerSecond = rps;
                    i++;
                    break;
                case "--no-dashboard":
                    options.Dashboard = false;
                    break;
                case "--verbose":
                    options.LogLevel = LogLevel.Information;
                    break;
                case "--help" or "-h":
                    return new BookinfoOptions { Help = true };
                default:
                    throw new ArgumentException($"unknown or incomplete argument '{args[i]}'.{Environment.NewLine}{Usage}");
            }
        }

        if (options.Registry == "consul" && options.ConfigDirectory is not null)
        {
            throw new ArgumentException("--config-dir is for the static registry; with --registry consul the config lives in Consul KV (meshctl apply -f FILE).");
        }

        if (options.ConfigDirectory is { } dir && !Directory.Exists(dir))
        {
            throw new ArgumentException($"--config-dir '{dir}' does not exist ({Path.GetFullPath(dir)}).");
        }

        return options;
    }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: dotnet run --project samples/Bookinfo -- [--port N] [--config-dir DIR] [--registry static|consul] [--consul ADDR] [--ratings-protocol http|grpc] [--load RPS] [--no-dashboard] [--verbose] [--help]
          --port N          productpage's port (default 9080; 0 picks a free one)
          --config-dir DIR  the *.yaml files in DIR are the mesh config, reloaded when they change
                            (without it: no rules, round robin over reviews v1, v2 and v3)
          --registry R      static (default): instances wired in-process, config from --config-dir;
                            consul: every instance registers in Consul and reads config from its KV
          --consul ADDR     Consul's HTTP address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)
          --ratings-protocol P
                            how reviews v2 and v3 call ratings: http (default; http://ratings:9080) or
                            grpc (bookinfo.ratings.v1.Ratings on http://ratings:9090, ratings' gRPC port)
          --load RPS        send GET /productpage at RPS requests per second (0.1 to 10000), for the dashboard's graph
          --no-dashboard    do not start Mesh.Server beside the services (its dashboard scrapes each one's /metrics)
          --verbose         log mesh activity (config applied, routing failures); errors are always logged
          --help            print this and exit
        exit codes: 0 stopped with Ctrl+C or SIGTERM, 1 could not start (--port in use), 2 bad arguments
        """;
}
