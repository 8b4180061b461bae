using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>
/// The resilience load test: three real Kestrel backends on loopback, one of which fails every
/// request with a 500; a meshed client sends N requests with C in flight, once with Mesh's
/// retries and outlier detection and once without; prints the share of failed requests and the
/// latency. All traffic stays on 127.0.0.1, and the run is bounded by N.
/// </summary>
internal static class ResilienceLoadHarness
{
    private const string Rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend }
        spec:
          host: backend
          trafficPolicy:
            outlierDetection:
              consecutive5xxErrors: 5
              interval: 1s
              baseEjectionTime: 30s
              maxEjectionPercent: 50
        """;

    private const string Resilient = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend }
        spec:
          hosts: [backend]
          http:
          - route:
            - destination: { host: backend }
            timeout: 5s
            retries: { attempts: 2, retryOn: "5xx,connect-failure" }
        """;

    private const string Bare = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend }
        spec:
          hosts: [backend]
          http:
          - route:
            - destination: { host: backend }
            retries: { attempts: 0 }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = HarnessMath.Arg(args, "--requests", 20_000);
        var concurrency = HarnessMath.Arg(args, "--concurrency", 16);
        var backends = new List<WebApplication>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                backends.Add(await StartBackendAsync(failing: i == 0));
            }

            var ports = backends.Select(b => new Uri(b.Urls.First()).Port).ToArray();
            Console.WriteLine($"backends on 127.0.0.1:{string.Join(", ", ports)} (the first fails every request with 500); {requests} requests, {concurrency} in flight");
            foreach (var (name, documents) in new[] { ("without retries or outlier detection", Bare), ("with retries (2, retryOn 5xx) and outlier detection (5 consecutive 5xx)", Rule + "\n---\n" + Resilient) })
            {
                var (failed, latencies, elapsed) = await RunClientAsync(ports, documents, requests, concurrency);
                latencies.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {failed} of {requests} failed ({100.0 * failed / requests:0.###}%); p50 {HarnessMath.Percentile(latencies, 0.5):0.00} ms, p99 {HarnessMath.Percentile(latencies, 0.99):0.00} ms; {requests / elapsed.TotalSeconds:0} req/s"));
            }
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }

        return 0;
    }

    private static async Task<WebApplication> StartBackendAsync(bool failing)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => failing ? Results.StatusCode(500) : Results.Text("ok"));
        await app.StartAsync();
        return app;
    }

    private static async Task<(int Failed, List<double> Latencies, TimeSpan Elapsed)> RunClientAsync(int[] ports, string documents, int requests, int concurrency)
    {
        var directory = Directory.CreateTempSubdirectory("mesh-load-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "backend.yaml"), documents);
        var settings = new Dictionary<string, string?> { ["Mesh:Static:ConfigDirectory"] = directory };
        for (var i = 0; i < ports.Length; i++)
        {
            settings[$"Mesh:Static:Services:backend:{i}:Port"] = ports[i].ToString(CultureInfo.InvariantCulture);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddMesh();
        builder.Services.AddHttpClient("backend").AddMesh();
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("backend");

        var failed = 0;
        var next = -1;
        var latencies = new List<double>(requests);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (Interlocked.Increment(ref next) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync("http://backend/");
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failed);
                }
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        var elapsed = clock.Elapsed;
        await host.StopAsync();
        Directory.Delete(directory, recursive: true);
        return (failed, latencies, elapsed);
    }
}
