using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Mesh.Benchmarks.Protos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>
/// The loopback harness (issue 7, section 3): what a meshed request costs next to a direct one.
/// This process hosts the backend, a Kestrel server on 127.0.0.1 answering every request with 1 kB
/// (and, on a port of its own with HTTP/2 only, a unary gRPC method answering 1 kB: issue 9),
/// and starts one client process (<see cref="LoopbackClient"/>) per mode and round, alternating
/// the order of the modes (direct, mesh; then mesh, direct; ...), so that each client's allocation,
/// CPU and working set are its own. Prints each run, then per meshed mode the medians, the ratios
/// and differences against its direct mode (<c>direct</c>, or <c>grpc-direct</c> for the gRPC modes),
/// and the issue's targets (issue 7's for HTTP, issue 9's for gRPC). Issue 10: <c>mesh-mtls</c> is compared with
/// <c>direct</c>, <c>direct-tls</c> (Kestrel's own HTTPS with a required client certificate, a plain HttpClient) and
/// <c>mesh</c>; <c>--loads handshake1,handshake16</c> opens a new connection per request to count handshakes per second.
/// </summary>
internal static class LoopbackHarness
{
    public const int BodyLength = 1024;

    private static readonly byte[] Body = Enumerable.Repeat((byte)'x', BodyLength).ToArray();
    private static readonly GetReply Reply = new() { Body = ByteString.CopyFrom(Body) };
    private static long _meshed;
    private static long _direct;

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = HarnessMath.Arg(args, "--rounds", 3);
        var duration = HarnessMath.Arg(args, "--duration", 5.0);
        var warmup = HarnessMath.Arg(args, "--warmup", 3.0);
        var connections = HarnessMath.Arg(args, "--connections", 16);
        var rate = HarnessMath.Arg(args, "--rate", 1000);
        var modes = HarnessMath.Arg(args, "--modes", "direct,mesh").Split(',');
        var port = HarnessMath.Arg(args, "--port", 0);
        var grpcPort = HarnessMath.Arg(args, "--grpc-port", 0);
        var directHost = HarnessMath.Arg(args, "--direct-host", "127.0.0.1");
        var loads = HarnessMath.Arg(args, "--loads", "closed,single,open");
        var handshakes = loads.Split(',').All(l => l.StartsWith("handshake", StringComparison.Ordinal));
        if (modes.FirstOrDefault(m => !KnownModes.Contains(m)) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"unknown mode '{unknown}' (known: {string.Join(", ", KnownModes)})");
            return 2;
        }

        var (backend, http, grpc) = await StartBackendAsync(port, grpcPort);
        await using var _ = backend;
        (port, grpcPort) = (http.IPEndPoint!.Port, grpc.IPEndPoint!.Port);

        // mesh-mtls: a second backend served with UseMesh() (PERMISSIVE, mTLS from the mesh client), over a local CA both share.
        var ca = modes.Contains("mesh-mtls") ? Directory.CreateTempSubdirectory("mesh-loopback-ca-").FullName : null;
        var mtls = ca is null ? null : await StartMtlsBackendAsync(ca);
        await using var __ = mtls;
        var mtlsPort = mtls is null ? 0 : new Uri(mtls.Urls.First()).Port;

        // direct-tls: a third backend, Kestrel's own HTTPS with a required client certificate, over a CA made here (TLS's own cost, no mesh).
        var tlsDirectory = modes.Contains("direct-tls") ? Directory.CreateTempSubdirectory("mesh-loopback-tls-").FullName : null;
        var tls = tlsDirectory is null ? null : await StartTlsBackendAsync(tlsDirectory);
        await using var ___ = tls;
        var tlsPort = tls is null ? 0 : new Uri(tls.Urls.First()).Port;
        if (args.Contains("--backend-only"))
        {
            // For profiling one client by hand: dotnet-trace collect -- dotnet Mesh.Benchmarks.dll loopback-client --mode mesh --port P
            Console.WriteLine($"backend on 127.0.0.1:{port} (HTTP/1.1), gRPC on 127.0.0.1:{grpcPort} (h2c); Ctrl+C or SIGTERM to stop");
            var stop = new TaskCompletionSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            await stop.Task;
            return 0;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loopback: backend (Kestrel, {BodyLength} B answers) in this process on 127.0.0.1:{port} (HTTP/1.1) and 127.0.0.1:{grpcPort} (gRPC, h2c); {rounds} round(s) of {string.Join(", ", modes)} (order alternating); per client process: warmup {warmup} s, then closed loop {connections} connections, closed loop 1 connection, open loop {rate} rps over {connections} connections, {duration} s each"));
        Console.WriteLine($"{DateTime.UtcNow:ddd MMM d HH:mm:ss} UTC; {Environment.ProcessorCount} CPUs; {RuntimeInformation.FrameworkDescription}; load average {LoadAverage()}");

        var runs = new List<Run>();
        for (var round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? modes : modes.Reverse().ToArray();
            foreach (var mode in order)
            {
                var meshedBefore = Interlocked.Read(ref _meshed);
                var directBefore = Interlocked.Read(ref _direct);
                using var self = Process.GetCurrentProcess();
                var backendCpuBefore = self.TotalProcessorTime;
                var modePort = mode switch
                {
                    "mesh-mtls" => mtlsPort,
                    "direct-tls" => tlsPort,
                    _ => IsGrpc(mode) ? grpcPort : port,
                };
                var results = await RunClientAsync(mode, modePort, directHost, duration, warmup, connections, rate, loads, mode == "direct-tls" ? tlsDirectory : ca);
                self.Refresh();
                var backendCpu = (self.TotalProcessorTime - backendCpuBefore).TotalMilliseconds;
                var meshed = Interlocked.Read(ref _meshed) - meshedBefore;
                var direct = Interlocked.Read(ref _direct) - directBefore;

                // The backend tells the modes apart by Host (:authority for gRPC): the mesh keeps the logical
                // authority (Host: backend, :authority backend:PORT).
                if ((!IsDirect(mode) && (meshed == 0 || direct != 0)) || (IsDirect(mode) && (direct == 0 || meshed != 0)))
                {
                    throw new InvalidOperationException($"{mode} run: the backend saw {meshed} requests with Host: backend and {direct} with its own address; the client did not take the path its mode names");
                }

                var perThousand = backendCpu * 1000 / (meshed + direct);
                runs.Add(new Run(round, mode, results, perThousand));
                Console.WriteLine(Describe(round, mode, results, perThousand));
            }
        }

        Console.WriteLine($"done {DateTime.UtcNow:HH:mm:ss} UTC; load average {LoadAverage()}");
        Console.WriteLine();
        if (handshakes)
        {
            PrintHandshakeSummary(runs, modes, loads.Split(','));
        }
        else
        {
            foreach (var mode in modes.Where(m => !IsDirect(m)))
            {
                // mesh-mtls against each baseline run with it: direct (the whole cost), direct-tls (the mesh's cost over TLS's own),
                // and mesh (what mTLS adds to the plaintext mesh: issue 10's reading).
                var baselines = mode == "mesh-mtls" ? new[] { "direct", "direct-tls", "mesh" }.Where(b => b == "direct" || modes.Contains(b)) : [DirectOf(mode)];
                foreach (var baseline in baselines)
                {
                    PrintSummary(runs, mode, baseline, connections, rate);
                }
            }
        }

        if (tlsDirectory is not null)
        {
            Directory.Delete(tlsDirectory, recursive: true);
        }

        return 0;
    }

    /// <summary>The modes a client knows: HTTP (issue 7) and gRPC (issue 9), each direct and meshed.</summary>
    public static readonly string[] KnownModes = ["direct", "direct-tls", "mesh", "mesh-bare", "mesh-mtls", "grpc-direct", "grpc-mesh", "grpc-mesh-bare"];

    public static bool IsGrpc(string mode) => mode.StartsWith("grpc-", StringComparison.Ordinal);

    public static bool IsDirect(string mode) => mode is "direct" or "direct-tls" or "grpc-direct";

    /// <summary>The mode a meshed mode is compared with.</summary>
    private static string DirectOf(string mode) => IsGrpc(mode) ? "grpc-direct" : "direct";

    /// <summary>
    /// One Kestrel server, two cleartext ports: HTTP/1.1 for <c>GET /</c> and HTTP/2 only for gRPC (Kestrel
    /// cannot offer h2c and HTTP/1.1 on one cleartext port: without TLS there is no ALPN to choose by).
    /// </summary>
    private static async Task<(WebApplication App, ListenOptions Http, ListenOptions Grpc)> StartBackendAsync(int port, int grpcPort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? http = null;
        ListenOptions? grpc = null;
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port, l => http = l);
            k.Listen(IPAddress.Loopback, grpcPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                grpc = l;
            });
        });
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<BackendService>();
        app.MapGet("/", (RequestDelegate)(context =>
        {
            Count(context.Request.Host.Host);

            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = BodyLength;
            return context.Response.Body.WriteAsync(Body).AsTask();
        }));
        await app.StartAsync();
        return (app, http!, grpc!);
    }

    /// <summary>
    /// The mesh-mtls backend: Kestrel served with <c>UseMesh()</c> (PERMISSIVE: the first byte of each connection is read
    /// to tell TLS from plaintext), its certificate from the local CA in <paramref name="ca"/>. A request counts as meshed
    /// only when it came over mTLS (a client certificate) with Host: backend.
    /// </summary>
    private static async Task<WebApplication> StartMtlsBackendAsync(string ca)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = "backend",
            ["Mesh:Certificates:LocalCa:Directory"] = ca,
        });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseMesh();
        builder.Services.AddMesh();
        var app = builder.Build();
        app.MapGet("/", (RequestDelegate)(context =>
        {
            Count(context.Connection.ClientCertificate is null ? "plaintext" : context.Request.Host.Host);
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = BodyLength;
            return context.Response.Body.WriteAsync(Body).AsTask();
        }));
        await app.StartAsync();
        return app;
    }

    /// <summary>
    /// The direct-tls backend: Kestrel's HTTPS (no mesh) requiring a client certificate, both sides' ECDSA P-256 certificates from a root made
    /// here (as the local CA's), written to <paramref name="directory"/> for the client (<c>root.pem</c>, <c>client.pfx</c>). The client
    /// certificate is checked against that root only. Requests count as direct (Host: 127.0.0.1:PORT).
    /// </summary>
    private static async Task<WebApplication> StartTlsBackendAsync(string directory)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=loopback direct-tls root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var root = rootRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());

        X509Certificate2 Leaf(string name, bool server)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            using var signed = request.Create(root, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
            using var withKey = signed.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        var serverCertificate = Leaf("127.0.0.1", server: true);
        using (var client = Leaf("loopback-client", server: false))
        {
            File.WriteAllBytes(Path.Combine(directory, "client.pfx"), client.Export(X509ContentType.Pkcs12));
        }

        var trusted = X509CertificateLoader.LoadCertificate(root.RawData);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, trusted),
        })));
        var app = builder.Build();
        app.MapGet("/", (RequestDelegate)(context =>
        {
            Count(context.Connection.ClientCertificate is null ? "backend" : context.Request.Host.Host);
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = BodyLength;
            return context.Response.Body.WriteAsync(Body).AsTask();
        }));
        await app.StartAsync();
        return app;
    }

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="root"/> alone (no system roots, no revocation check).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static void Count(string host)
    {
        if (host == "backend")
        {
            Interlocked.Increment(ref _meshed);
        }
        else
        {
            Interlocked.Increment(ref _direct);
        }
    }

    private static async Task<IReadOnlyDictionary<string, LoopbackResult>> RunClientAsync(string mode, int port, string directHost, double duration, double warmup, int connections, int rate, string loads, string? ca)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoopbackHarness).Assembly.Location);
        }

        foreach (var arg in new[]
        {
            "loopback-client", "--mode", mode, "--port", port.ToString(CultureInfo.InvariantCulture),
            "--duration", duration.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture),
            "--connections", connections.ToString(CultureInfo.InvariantCulture), "--rate", rate.ToString(CultureInfo.InvariantCulture),
            "--direct-host", directHost, "--loads", loads,
        })
        {
            start.ArgumentList.Add(arg);
        }

        if (mode is "mesh-mtls" or "direct-tls")
        {
            start.ArgumentList.Add("--ca");
            start.ArgumentList.Add(ca!);
        }

        using var process = Process.Start(start)!;
        var results = new Dictionary<string, LoopbackResult>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + (4 * duration) + 60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(LoopbackResult.Prefix, StringComparison.Ordinal))
                {
                    var result = LoopbackResult.Parse(line);
                    results[result.Load] = result;
                }
                else
                {
                    Console.WriteLine($"  [{mode} client] {line}");
                }
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the {mode} client did not finish in time");
        }

        var expected = loads.Split(',').Length;
        if (process.ExitCode != 0 || results.Count != expected)
        {
            throw new InvalidOperationException($"the {mode} client exited with {process.ExitCode} after {results.Count} of {expected} results");
        }

        return results;
    }

    private static string Describe(int round, string mode, IReadOnlyDictionary<string, LoopbackResult> results, double backendCpuPer1000)
    {
        var parts = results.Values.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Load}: {r.Rps:N0} rps, p50/p90/p99 {r.P50Micros:0}/{r.P90Micros:0}/{r.P99Micros:0} µs, {r.AllocatedBytesPerRequest:N0} B/req, CPU {r.CpuMillisPer1000:0.0} ms/1k{(r.Errors > 0 ? $", {r.Errors} ERRORS" : "")}"));
        var end = results.Values.Last();
        return string.Create(CultureInfo.InvariantCulture,
            $"round {round} {mode,-11} | {string.Join(" | ", parts)} | working set {end.WorkingSetMB:0.0} MB (GC heap {end.GcHeapMB:0.0} MB, {end.Assemblies} assemblies) | backend CPU {backendCpuPer1000:0.0} ms/1k");
    }

    /// <summary>
    /// The handshake loads (issue 10): per mode, medians of the rounds of each load: new connections (each a full TLS handshake, mutual
    /// for both TLS modes) per second, and the latency of connect + handshake + first response.
    /// </summary>
    private static void PrintHandshakeSummary(List<Run> runs, string[] modes, string[] loads)
    {
        var rounds = runs.Select(r => r.Round).Distinct().Count();
        Console.WriteLine($"Handshakes: one new connection per request (Connection: close), medians of {rounds} round(s); in brackets, each round.");
        Console.WriteLine();
        Console.WriteLine("| mode | load | connections/s | p50 µs | p90 µs | p99 µs | client CPU ms/1000 | backend CPU ms/1000 (whole run) | errors |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var mode in modes)
        {
            foreach (var load in loads)
            {
                var these = runs.Where(r => r.Mode == mode).ToList();
                string Cell(Func<LoopbackResult, double> metric, string format) => string.Create(CultureInfo.InvariantCulture,
                    $"{HarnessMath.Median(these.Select(r => metric(r.Results[load]))).ToString(format, CultureInfo.InvariantCulture)} ({string.Join(", ", these.Select(r => metric(r.Results[load]).ToString(format, CultureInfo.InvariantCulture)))})");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mode} | {load} | {Cell(r => r.Rps, "N0")} | {Cell(r => r.P50Micros, "0")} | {Cell(r => r.P90Micros, "0")} | {Cell(r => r.P99Micros, "0")} | {Cell(r => r.CpuMillisPer1000, "0.0")} | {HarnessMath.Median(these.Select(r => r.BackendCpuPer1000)):0.0} | {these.Sum(r => r.Results[load].Errors)} |"));
            }
        }
    }

    private static void PrintSummary(List<Run> runs, string meshMode, string directMode, int connections, int rate)
    {
        var closed = $"closed{connections}";
        var single = "closed1";
        var open = $"open{rate}";
        var rounds = runs.Select(r => r.Round).Distinct().Order().ToList();
        var hasBoth = runs.Any(r => r.Mode == meshMode) && runs.Any(r => r.Mode == directMode);

        // Issue 9 sets gRPC two targets (added p90, throughput); allocation and working set are reported, not judged.
        var grpc = IsGrpc(meshMode);
        var sending = grpc ? "concurrent calls" : "connections";
        var one = grpc ? "call" : "connection";
        var abbrev = grpc ? "calls" : "conn.";
        var oneAbbrev = grpc ? "call" : "conn.";
        var requests = grpc ? "calls" : "requests";
        var per = grpc ? "call" : "request";

        double Value(string mode, int round, Func<Run, double> metric) =>
            runs.Where(r => r.Mode == mode && r.Round == round).Select(r => metric(r)).DefaultIfEmpty(double.NaN).First();

        Console.WriteLine();
        Console.WriteLine($"{meshMode} against {directMode}. {directMode} and {meshMode}: medians of {rounds.Count} round(s). {meshMode}/{directMode} and {meshMode} - {directMode}: medians of the per-round pairs (listed under 'by round'), which the verdict uses; 'k of n' counts the rounds whose own pair meets the target.");
        Console.WriteLine();
        Console.WriteLine($"| metric | {directMode} | {meshMode} | {meshMode}/{directMode} | {meshMode} - {directMode} | by round | target | met |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|---|---|");

        // met(ratio, difference) of one round's pair, or of the medians of the pairs.
        void Row(string name, string format, Func<Run, double> metric, string target = "", Func<double, double, bool>? met = null, bool ratioByRound = false)
        {
            var direct = HarnessMath.Median(runs.Where(r => r.Mode == directMode).Select(r => metric(r)));
            var mesh = HarnessMath.Median(runs.Where(r => r.Mode == meshMode).Select(r => metric(r)));
            var pairs = hasBoth
                ? rounds.Select(round => (Direct: Value(directMode, round, metric), Mesh: Value(meshMode, round, metric)))
                    .Where(p => !double.IsNaN(p.Direct) && !double.IsNaN(p.Mesh))
                    .Select(p => (Ratio: p.Mesh / p.Direct, Difference: p.Mesh - p.Direct))
                    .ToList()
                : [];
            var ratio = HarnessMath.Median(pairs.Select(p => p.Ratio));
            var difference = HarnessMath.Median(pairs.Select(p => p.Difference));
            var byRound = string.Join(", ", pairs.Select(p => ratioByRound ? Percent(p.Ratio) : Signed(p.Difference, format)));
            var verdict = "";
            if (met is not null && pairs.Count > 0)
            {
                var agreeing = pairs.Count(p => met(p.Ratio, p.Difference));
                verdict = met(ratio, difference)
                    ? $"met ({agreeing} of {pairs.Count} rounds)"
                    : $"**not met** ({pairs.Count - agreeing} of {pairs.Count} rounds)";
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {direct.ToString(format, CultureInfo.InvariantCulture)} | {mesh.ToString(format, CultureInfo.InvariantCulture)} | {(pairs.Count > 0 ? Percent(ratio) : "")} | {(pairs.Count > 0 ? Signed(difference, format) : "")} | {byRound} | {target} | {verdict} |"));
        }

        Row($"closed loop, {connections} {sending}: rps", "N0", r => r.Results[closed].Rps, "≥ 95% of direct", (ratio, _) => ratio >= 0.95, ratioByRound: true);
        Row($"closed loop, {connections} {sending}: p50 µs", "0.0", r => r.Results[closed].P50Micros);
        Row($"closed loop, {connections} {sending}: p99 µs", "0.0", r => r.Results[closed].P99Micros);
        Row($"closed loop, 1 {one}: rps", "N0", r => r.Results[single].Rps, ratioByRound: true);
        Row($"closed loop, 1 {one}: p50 µs", "0.0", r => r.Results[single].P50Micros);
        Row($"closed loop, 1 {one}: p90 µs", "0.0", r => r.Results[single].P90Micros, "≤ +20 µs", (_, added) => added <= 20);
        Row($"closed loop, 1 {one}: p99 µs", "0.0", r => r.Results[single].P99Micros);
        Row($"open loop, {rate} rps / {connections} {abbrev}: achieved rps", "N0", r => r.Results[open].Rps, ratioByRound: true);
        Row($"open loop, {rate} rps / {connections} {abbrev}: p50 µs", "0.0", r => r.Results[open].P50Micros);
        Row($"open loop, {rate} rps / {connections} {abbrev}: p90 µs", "0.0", r => r.Results[open].P90Micros, "≤ +20 µs", (_, added) => added <= 20);
        Row($"open loop, {rate} rps / {connections} {abbrev}: p99 µs", "0.0", r => r.Results[open].P99Micros);
        Row($"allocated B/{per} (closed loop, {connections} {abbrev})", "N0", r => r.Results[closed].AllocatedBytesPerRequest, grpc ? "" : "≤ +256 B", grpc ? null : (_, added) => added <= 256);
        Row($"allocated B/{per} (closed loop, 1 {oneAbbrev})", "N0", r => r.Results[single].AllocatedBytesPerRequest, grpc ? "" : "≤ +256 B", grpc ? null : (_, added) => added <= 256);
        Row($"allocated B/{per} (open loop, {rate} rps)", "N0", r => r.Results[open].AllocatedBytesPerRequest);
        Row($"client CPU ms/1000 {requests} (closed loop, {connections} {abbrev})", "0.0", r => r.Results[closed].CpuMillisPer1000);
        Row($"client CPU ms/1000 {requests} (closed loop, 1 {oneAbbrev})", "0.0", r => r.Results[single].CpuMillisPer1000);
        Row($"client CPU ms/1000 {requests} (open loop, {rate} rps)", "0.0", r => r.Results[open].CpuMillisPer1000);
        Row("client working set MB (end of run)", "0.0", r => r.Results[open].WorkingSetMB, grpc ? "" : "≤ +5 MB", grpc ? null : (_, added) => added <= 5);
        Row($"client working set MB (after closed loop, {connections} {abbrev})", "0.0", r => r.Results[closed].WorkingSetMB, grpc ? "" : "≤ +5 MB", grpc ? null : (_, added) => added <= 5);
        Row("client GC heap MB (end of run, after the last GC)", "0.0", r => r.Results[open].GcHeapMB);
        Row("client assemblies loaded", "0", r => r.Results[open].Assemblies);
        Row($"backend CPU ms/1000 {requests} (whole client run)", "0.0", r => r.BackendCpuPer1000);

        var errors = runs.Sum(r => r.Results.Values.Sum(x => x.Errors));
        Console.WriteLine();
        Console.WriteLine(errors == 0 ? $"No failed {requests}." : $"{errors} {requests} FAILED (not 200 with {BodyLength} B, or not OK with a {BodyLength} B body): the figures are not comparable.");
    }

    private static string Percent(double ratio) => string.Create(CultureInfo.InvariantCulture, $"{ratio * 100:0}%");

    private static string Signed(double value, string format) => (value < 0 ? "-" : "+") + Math.Abs(value).ToString(format, CultureInfo.InvariantCulture);

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>The gRPC backend: every call answers <see cref="BodyLength"/> bytes.</summary>
    private sealed class BackendService : Backend.BackendBase
    {
        public override Task<GetReply> Get(GetRequest request, ServerCallContext context)
        {
            Count(context.GetHttpContext().Request.Host.Host);
            return Task.FromResult(Reply);
        }
    }

    /// <summary>One client process: its round, its mode, its result per load, and the backend's CPU per 1000 of its requests.</summary>
    private sealed record Run(int Round, string Mode, IReadOnlyDictionary<string, LoopbackResult> Results, double BackendCpuPer1000);
}
