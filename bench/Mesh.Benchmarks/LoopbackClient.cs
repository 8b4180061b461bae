using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Benchmarks.Protos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>
/// The client process of the loopback harness, built as a user's service is: a generic host, an
/// <c>IHttpClientFactory</c> client named <c>backend</c> and, in mesh mode, <c>AddMesh()</c> bound from
/// the <c>Mesh</c> section of an appsettings.json (static registry, documents from a directory) with
/// <c>ConfigureHttpClientDefaults(b =&gt; b.AddMesh())</c>. In direct mode the same client, without the
/// mesh, calls the backend's address. The gRPC modes (issue 9) use a typed client from
/// <c>AddGrpcClient&lt;Backend.BackendClient&gt;</c> instead: <c>grpc-direct</c> at
/// <c>http://127.0.0.1:PORT</c>, <c>grpc-mesh</c> with <c>.AddMesh()</c> at <c>http://backend:PORT</c>,
/// the same config and routes (the header route matches call metadata). It warms up, runs each load,
/// and prints one <see cref="LoopbackResult"/> line per load.
/// </summary>
internal static class LoopbackClient
{
    /// <summary>One DestinationRule with a subset; a VirtualService with a header route and a catch-all with a timeout.</summary>
    public const string Documents = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend }
        spec:
          host: backend
          subsets:
          - name: v1
            labels: { version: v1 }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend }
        spec:
          hosts: [backend]
          http:
          - match:
            - headers:
                end-user: { exact: jason }
            route:
            - destination: { host: backend, subset: v1 }
          - route:
            - destination: { host: backend, subset: v1 }
            timeout: 10s
        """;

    /// <summary>
    /// Modes <c>mesh-bare</c> and <c>grpc-mesh-bare</c>, not one of issue 7's or 9's: the same routes with no resilience policy on the catch-all
    /// (<c>retries: {attempts: 0}</c>, no timeout), to tell the handler's own cost from its policies'.
    /// </summary>
    public const string BareDocuments = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend }
        spec:
          host: backend
          subsets:
          - name: v1
            labels: { version: v1 }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend }
        spec:
          hosts: [backend]
          http:
          - match:
            - headers:
                end-user: { exact: jason }
            route:
            - destination: { host: backend, subset: v1 }
            retries: { attempts: 0 }
          - route:
            - destination: { host: backend, subset: v1 }
            retries: { attempts: 0 }
        """;

    private static readonly GetRequest Request = new();

    public static async Task<int> RunAsync(string[] args)
    {
        var mode = HarnessMath.Arg(args, "--mode", "mesh");
        var port = HarnessMath.Arg(args, "--port", 0);
        var duration = TimeSpan.FromSeconds(HarnessMath.Arg(args, "--duration", 5.0));
        var warmup = TimeSpan.FromSeconds(HarnessMath.Arg(args, "--warmup", 3.0));
        var connections = HarnessMath.Arg(args, "--connections", 16);
        var rate = HarnessMath.Arg(args, "--rate", 1000);
        var loads = HarnessMath.Arg(args, "--loads", "closed,single,open").Split(',');
        var directHost = HarnessMath.Arg(args, "--direct-host", "127.0.0.1");
        var allocationTypes = HarnessMath.Arg(args, "--alloc-types", 0);
        var ca = HarnessMath.Arg(args, "--ca", "");
        if (port == 0 || !LoopbackHarness.KnownModes.Contains(mode))
        {
            await Console.Error.WriteLineAsync("usage: loopback-client --mode direct|direct-tls|mesh|mesh-bare|mesh-mtls|grpc-direct|grpc-mesh|grpc-mesh-bare --port P [--ca DIR (mesh-mtls: the local CA; direct-tls: root.pem and client.pfx)] [--duration 5] [--warmup 3] [--connections 16] [--rate 1000] [--loads closed,single,open|handshake1,handshake16] [--alloc-types N]");
            await Console.Error.WriteLineAsync("(P: the backend's HTTP/1.1 port, or its gRPC port for the grpc- modes)");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("mesh-loopback-").FullName;
        try
        {
            var mesh = !LoopbackHarness.IsDirect(mode);
            var grpc = LoopbackHarness.IsGrpc(mode);
            if (mesh)
            {
                WriteConfig(directory, port, mode is "mesh-bare" or "grpc-mesh-bare" ? BareDocuments : Documents, mode == "mesh-mtls" ? ca : null);
            }

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory, Args = [] });

            // No log output in either mode: IHttpClientFactory logs every request at Information otherwise.
            builder.Logging.ClearProviders();
            if (mesh)
            {
                builder.Services.AddMesh();
            }

            if (grpc)
            {
                // As docs/grpc.md says: the client factory's gRPC client, and .AddMesh() on it for the mesh.
                var address = mesh ? new Uri($"http://backend:{port}") : new Uri($"http://{directHost}:{port}");
                var grpcClient = builder.Services.AddGrpcClient<Backend.BackendClient>(o => o.Address = address);
                if (mesh)
                {
                    grpcClient.AddMesh();
                }
            }
            else
            {
                if (mesh)
                {
                    builder.Services.ConfigureHttpClientDefaults(b => b.AddMesh());
                }

                var baseAddress = mesh ? new Uri("http://backend/") : new Uri($"{(mode == "direct-tls" ? "https" : "http")}://{directHost}:{port}/");
                var named = builder.Services.AddHttpClient("backend", c => c.BaseAddress = baseAddress);
                if (mode == "direct-tls")
                {
                    // direct-tls: the client certificate and the root from the harness's directory; the server's certificate is checked against that root only.
                    var root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(ca, "root.pem"));
                    var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(ca, "client.pfx"), null);
                    named.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                    {
                        SslOptions = new SslClientAuthenticationOptions
                        {
                            ClientCertificates = [certificate],
                            RemoteCertificateValidationCallback = (_, server, _, errors) =>
                                server is X509Certificate2 x && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == 0 && LoopbackHarness.ChainsTo(x, root),
                        },
                    });
                }
            }

            using var host = builder.Build();
            await host.StartAsync();
            Func<LatencyHistogram, Task<long>> send;
            Func<LatencyHistogram, Task<long>>? handshake = null;
            if (grpc)
            {
                var client = host.Services.GetRequiredService<Backend.BackendClient>();
                send = histogram => CallAsync(client, histogram);
            }
            else
            {
                var factory = host.Services.GetRequiredService<IHttpClientFactory>();
                var client = factory.CreateClient("backend");
                var uri = new Uri("/", UriKind.Relative);
                send = histogram => SendAsync(client, uri, histogram);

                // The handshake loads: the same handler chain, every request with Connection: close, so each one opens (and the
                // server closes) a connection of its own: TCP connect, the TLS handshake in the TLS modes, the request and its response.
                var closing = factory.CreateClient("backend");
                closing.DefaultRequestHeaders.ConnectionClose = true;
                handshake = histogram => SendAsync(closing, uri, histogram);
            }

            // Warm up (JIT tiering, connection pools, the mesh's first-call warm-up of the cluster); with the handshake loads, with new connections.
            var warm = loads.All(l => l.StartsWith("handshake", StringComparison.Ordinal)) && handshake is not null ? handshake : send;
            await ClosedLoopAsync(warm, connections, warmup / 2);
            await ClosedLoopAsync(warm, 1, warmup / 2);

            // --alloc-types N: the N types allocating the most per call in each load (off by default: the listener costs CPU).
            using var types = allocationTypes > 0 ? new AllocationTypes() : null;
            foreach (var load in loads)
            {
                types?.Start();
                var result = load switch
                {
                    "closed" => await MeasureAsync($"closed{connections}", () => ClosedLoopAsync(send, connections, duration)),
                    "single" => await MeasureAsync("closed1", () => ClosedLoopAsync(send, 1, duration)),
                    "open" => await MeasureAsync($"open{rate}", () => OpenLoopAsync(send, connections, rate, duration)),
                    _ when load.StartsWith("handshake", StringComparison.Ordinal) && handshake is not null
                        && int.TryParse(load.AsSpan("handshake".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var connectors) && connectors > 0
                        => await MeasureAsync(load, () => ClosedLoopAsync(handshake, connectors, duration)),
                    _ => throw new ArgumentException($"unknown load '{load}' (closed, single, open, handshakeN: N connectors each opening a new connection per request; HTTP modes only)"),
                };
                types?.Print(result.Load, result.Requests, allocationTypes);
                Console.WriteLine(result.Format());
            }

            await host.StopAsync();
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>appsettings.json with the Mesh section (the backend as the one instance of <c>backend</c>, label version v1) and networking/backend.yaml.</summary>
    private static void WriteConfig(string directory, int port, string documents, string? ca)
    {
        // mesh-mtls: the instance accepts mTLS (auto mTLS then sends ISTIO_MUTUAL), and the certificate comes from the shared local CA.
        var tlsLabel = ca is null ? "" : ", \"security.istio.io/tlsMode\": \"istio\"";
        var certificates = ca is null ? "" : $",\n    \"Certificates\": {{ \"LocalCa\": {{ \"Directory\": \"{ca.Replace("\\", "\\\\", StringComparison.Ordinal)}\" }} }}";
        var networking = Directory.CreateDirectory(Path.Combine(directory, "networking")).FullName;
        File.WriteAllText(Path.Combine(networking, "backend.yaml"), documents);
        File.WriteAllText(Path.Combine(directory, "appsettings.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "Mesh": {
                "Service": "loopback-client",
                "Static": {
                  "ConfigDirectory": "{{networking.Replace("\\", "\\\\", StringComparison.Ordinal)}}",
                  "Services": {
                    "backend": [ { "Address": "127.0.0.1", "Port": {{port}}, "Labels": { "version": "v1"{{tlsLabel}} } } ]
                  }
                }{{certificates}}
              }
            }
            """));
    }

    private static async Task<LoopbackResult> MeasureAsync(string name, Func<Task<(LatencyHistogram Latency, long Errors, double Seconds)>> load)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (latency, errors, seconds) = await load();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var requests = latency.Count;
        return new LoopbackResult(
            name,
            requests,
            errors,
            seconds,
            latency.PercentileMicros(0.50),
            latency.PercentileMicros(0.90),
            latency.PercentileMicros(0.99),
            (double)allocated / requests,
            cpu.TotalMilliseconds * 1000 / requests,
            Environment.WorkingSet / (1024.0 * 1024.0),
            GC.GetGCMemoryInfo().HeapSizeBytes / (1024.0 * 1024.0),
            AppDomain.CurrentDomain.GetAssemblies().Length);
    }

    /// <summary>N workers, each sending its next request as soon as the last one's response is read.</summary>
    private static async Task<(LatencyHistogram, long, double)> ClosedLoopAsync(Func<LatencyHistogram, Task<long>> send, int workers, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var histograms = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var histogram = new LatencyHistogram();
            var errors = 0L;
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                errors += await send(histogram);
            }

            return (histogram, errors);
        })));
        return Merge(histograms, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>
    /// Requests on a fixed schedule (rate per second) whatever the responses do, spread over N workers:
    /// worker k sends requests k, k+N, k+2N... at their scheduled times, so at most N are in flight
    /// (N connections). Latency is measured from the send; a late timer delays a send but not the schedule.
    /// </summary>
    private static async Task<(LatencyHistogram, long, double)> OpenLoopAsync(Func<LatencyHistogram, Task<long>> send, int workers, int rate, TimeSpan duration)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp();
        var histograms = await Task.WhenAll(Enumerable.Range(0, workers).Select(k => Task.Run(async () =>
        {
            var histogram = new LatencyHistogram();
            var errors = 0L;
            for (long n = k; n < total; n += workers)
            {
                var wait = start + (long)(n * interval) - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                }

                errors += await send(histogram);
            }

            return (histogram, errors);
        })));
        return Merge(histograms, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static async Task<long> SendAsync(HttpClient client, Uri uri, LatencyHistogram histogram)
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            // GetAsync reads the whole body (ResponseContentRead), as GetStringAsync or a JSON read would.
            using var response = await client.GetAsync(uri);
            histogram.Record(Stopwatch.GetTimestamp() - sent);
            return response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentLength == LoopbackHarness.BodyLength ? 0 : 1;
        }
        catch (HttpRequestException)
        {
            histogram.Record(Stopwatch.GetTimestamp() - sent);
            return 1;
        }
    }

    /// <summary>One unary call; an error unless it ends OK with a <see cref="LoopbackHarness.BodyLength"/>-byte body.</summary>
    private static async Task<long> CallAsync(Backend.BackendClient client, LatencyHistogram histogram)
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            var reply = await client.GetAsync(Request);
            histogram.Record(Stopwatch.GetTimestamp() - sent);
            return reply.Body.Length == LoopbackHarness.BodyLength ? 0 : 1;
        }
        catch (RpcException)
        {
            histogram.Record(Stopwatch.GetTimestamp() - sent);
            return 1;
        }
    }

    private static (LatencyHistogram, long, double) Merge((LatencyHistogram Histogram, long Errors)[] workers, double seconds)
    {
        var all = new LatencyHistogram();
        var errors = 0L;
        foreach (var (histogram, workerErrors) in workers)
        {
            all.Add(histogram);
            errors += workerErrors;
        }

        return (all, errors, seconds);
    }
}
