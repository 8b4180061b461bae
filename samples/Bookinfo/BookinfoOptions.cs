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

    /// <summary>Gets or sets the xDS server (Mesh.Server) as <c>host:port</c> for the xds registry.</summary>
    public string? XdsAddress { get; set; }

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
    /// Gets or sets a value indicating whether the services speak mTLS to each other, as in an Istio mesh with its default
    /// settings: each serves with <c>UseMesh()</c> under its Istio service account (<c>bookinfo-reviews</c>...), each instance is
    /// registered with the label <c>security.istio.io/tlsMode: istio</c> (Consul: Meta <c>mesh-tls-mode</c>), so callers' auto
    /// mTLS calls it with ISTIO_MUTUAL; no PeerAuthentication means PERMISSIVE, so plaintext clients (a browser) are served
    /// too. False (<c>--no-mtls</c>): plaintext everywhere, and no peer identity for AuthorizationPolicy to match.
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool Mtls { get; set; } = true;

    /// <summary>Gets or sets the local CA's directory (<c>Mesh:Certificates:LocalCa:Directory</c>) when <see cref="Mtls"/> is on.</summary>
    /// <value>Null: the local CA's per-user default (<c>~/.local/share/mesh/ca</c>), shared with the user's other Mesh processes and <c>meshctl ca</c>.</value>
    public string? CaDirectory { get; set; }

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

    /// <summary>Parses command-line arguments: <c>--port N</c>, <c>--config-dir DIR</c>, <c>--registry R</c>, <c>--consul ADDR</c>, <c>--xds ADDR</c>, <c>--ratings-protocol P</c>, <c>--mtls</c>, <c>--no-mtls</c>, <c>--ca-dir DIR</c>, <c>--verbose</c>, <c>--help</c>.</summary>
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
                case "--registry" when i + 1 < args.Length && args[i + 1] is "static" or "consul" or "xds":
                    options.Registry = args[++i];
                    break;
                case "--ratings-protocol" when i + 1 < args.Length && args[i + 1] is Http or Grpc:
                    options.RatingsProtocol = args[++i];
                    break;
                case "--consul" when i + 1 < args.Length:
                    options.ConsulAddress = args[++i];
                    break;
                case "--xds" when i + 1 < args.Length:
                    options.XdsAddress = args[++i];
                    break;
                case "--mtls":
                    options.Mtls = true;
                    break;
                case "--no-mtls":
                    options.Mtls = false;
                    break;
                case "--ca-dir" when i + 1 < args.Length:
                    options.CaDirectory = args[++i];
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

        if (options.Registry == "xds" && (options.ConfigDirectory is not null || options.XdsAddress is null || options.ProductPagePort == 0))
        {
            throw new ArgumentException("--registry xds takes --xds HOST:PORT (Mesh.Server's xDS address) and a fixed --port (the services listen on --port to --port+6, as Mesh.Server's instance list says); the config lives in Mesh.Server.");
        }

        if (!options.Mtls && options.CaDirectory is not null)
        {
            throw new ArgumentException("--ca-dir is the local CA of mTLS; with --no-mtls there is none.");
        }

        if (options.ConfigDirectory is { } dir && !Directory.Exists(dir))
        {
            throw new ArgumentException($"--config-dir '{dir}' does not exist ({Path.GetFullPath(dir)}); create it, or give an absolute path ('dotnet run --project' runs Bookinfo in samples/Bookinfo, where a relative path is resolved).");
        }

        return options;
    }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: dotnet run --project samples/Bookinfo -- [--port N] [--config-dir DIR] [--registry static|consul|xds] [--consul ADDR] [--xds ADDR] [--ratings-protocol http|grpc] [--mtls|--no-mtls] [--ca-dir DIR] [--load RPS] [--no-dashboard] [--verbose] [--help]
          --port N          productpage's port (default 9080; 0 picks a free one)
          --config-dir DIR  the *.yaml files in DIR are the mesh config, reloaded when they change
                            (without it: no rules, round robin over reviews v1, v2 and v3)
          --registry R      static (default): instances wired in-process, config from --config-dir;
                            consul: every instance registers in Consul and reads config from its KV;
                            xds: routes from Mesh.Server over xDS (ports --port..--port+6, see docs/xds.md)
          --consul ADDR     Consul's HTTP address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)
          --xds ADDR        Mesh.Server's xDS address, host:port, for --registry xds
          --ratings-protocol P
                            how reviews v2 and v3 call ratings: http (default; http://ratings:9080) or
                            grpc (bookinfo.ratings.v1.Ratings on http://ratings:9090, ratings' gRPC port)
          --mtls            (default) the services call each other over mTLS with Istio's service accounts
                            (bookinfo-productpage...), certificates from the local CA; PERMISSIVE unless a
                            PeerAuthentication says otherwise, so the browser still reaches productpage over http
          --no-mtls         plaintext everywhere (no peer identities: AuthorizationPolicy principals never match)
          --ca-dir DIR      the local CA's directory (default: the per-user one, ~/.local/share/mesh/ca)
          --load RPS        send GET /productpage at RPS requests per second (0.1 to 10000), for the dashboard's graph
          --no-dashboard    do not start Mesh.Server beside the services (its dashboard scrapes each one's /metrics)
          --verbose         log mesh activity (config applied, routing failures); errors are always logged
          --help            print this and exit
        exit codes: 0 stopped with Ctrl+C or SIGTERM, 1 could not start (--port in use), 2 bad arguments
        """;
}
