namespace Bookinfo;

/// <summary>The command line: parse, start every service, print where they listen, run until stopped.</summary>
/// <remarks>Exit codes: 0 stopped (or <c>--help</c>), 1 could not start (productpage's port in use), 2 bad arguments.</remarks>
internal static class BookinfoProgram
{
    public const int Ok = 0;
    public const int StartFailed = 1;
    public const int BadArguments = 2;

    /// <summary>The local CA's per-user directory, as Mesh.Client picks it when <c>Mesh:Certificates:LocalCa:Directory</c> is unset.</summary>
    private static string DefaultCaDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "mesh", "ca");

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        BookinfoOptions options;
        try
        {
            options = BookinfoOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            stderr.WriteLine(ex.Message);
            return BadArguments;
        }

        if (options.Help)
        {
            stdout.WriteLine(BookinfoOptions.Usage);
            return Ok;
        }

        BookinfoApp app;
        try
        {
            app = await BookinfoApp.StartAsync(options, stop).ConfigureAwait(false);
        }
        catch (BookinfoPortInUseException ex)
        {
            stderr.WriteLine(ex.Message);
            return StartFailed;
        }

        await using (app.ConfigureAwait(false))
        {
            foreach (var instance in app.Instances)
            {
                var url = instance.Url.GetLeftPart(UriPartial.Authority);
                stdout.WriteLine(instance.GrpcPort is { } grpc
                    ? $"{instance.InstanceId,-24} {url} (gRPC: 127.0.0.1:{grpc}, service port {Ratings.GrpcServicePort})"
                    : $"{instance.InstanceId,-24} {url}");
            }

            stdout.WriteLine();
            stdout.WriteLine($"Bookinfo is up: {app.ProductPageUrl}productpage");
            stdout.WriteLine(options.Registry == "xds"
                ? $"Registry: xDS from Mesh.Server at {options.XdsAddress}; the config is Mesh.Server's (docs/xds.md)."
                : options.Registry == "consul"
                ? "Registry: Consul. Each instance registered itself; apply config with: meshctl apply -f samples/Bookinfo/networking/destination-rule-all.yaml"
                : options.ConfigDirectory is null
                    ? "No mesh config: reviews round robins over v1, v2 and v3. Start with --config-dir DIR to route."
                    : $"Mesh config: *.yaml in {Path.GetFullPath(options.ConfigDirectory)} (reloaded on change).");
            stdout.WriteLine(options.RatingsProtocol == BookinfoOptions.Grpc
                ? $"reviews v2 and v3 call ratings over gRPC (http://ratings:{Ratings.GrpcServicePort}, bookinfo.ratings.v1.Ratings)."
                : "reviews v2 and v3 call ratings over HTTP (http://ratings:9080); --ratings-protocol grpc for gRPC.");
            stdout.WriteLine(options.Mtls
                ? $"mTLS: on, as Istio's service accounts (bookinfo-productpage...), local CA in {Path.GetFullPath(options.CaDirectory ?? DefaultCaDirectory)}; PERMISSIVE unless a PeerAuthentication says otherwise (--no-mtls: plaintext only)."
                : "mTLS: off (--no-mtls); the services call each other in plaintext, with no peer identity.");
            if (app.Dashboard is { } dashboard)
            {
                stdout.WriteLine($"Dashboard: {dashboard.Url}");
            }

            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var load = options.LoadRequestsPerSecond > 0
                ? BookinfoLoad.RunAsync(app.ProductPageUrl, options.LoadRequestsPerSecond, TimeProvider.System, stopLoad.Token)
                : Task.FromResult(0L);
            if (options.LoadRequestsPerSecond > 0)
            {
                stdout.WriteLine($"Load: GET /productpage at {options.LoadRequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} requests per second.");
            }

            stdout.WriteLine("Press Ctrl+C to stop.");

            // Each host's console lifetime takes SIGTERM (kill, docker stop) and only asks its host to stop:
            // stop them all then, as Ctrl+C does.
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var onStop = stop.Register(() => stopped.TrySetResult());
            foreach (var instance in app.Instances)
            {
                instance.App.Lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
            }

            await stopped.Task.ConfigureAwait(false);
            await stopLoad.CancelAsync().ConfigureAwait(false);
            await load.ConfigureAwait(false);
        }

        return Ok;
    }
}
