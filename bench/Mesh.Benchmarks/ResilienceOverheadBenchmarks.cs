using Microsoft.Extensions.Logging;
using BenchmarkDotNet.Attributes;
using Mesh.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Benchmarks;

/// <summary>
/// What a route's resilience adds to one request through the mesh handler: a route with a
/// timeout, retries (with a per-try timeout) and outlier detection, against a route with none
/// (<c>retries: {attempts: 0}</c>, no timeout), and both against the same stub called directly.
/// The network is a stub that answers at once (it stands at the bottom of the mesh's own connection
/// pools), so only the mesh's own work is measured; every request succeeds on the first attempt.
/// </summary>
[MemoryDiagnoser]
public class ResilienceOverheadBenchmarks
{
    private const string Config = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: bare }
        spec:
          hosts: [bare]
          http:
          - route:
            - destination: { host: bare }
            retries: { attempts: 0 }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: resilient }
        spec:
          hosts: [resilient]
          http:
          - route:
            - destination: { host: resilient }
            timeout: 5s
            retries: { attempts: 2, perTryTimeout: 1s, retryOn: "5xx,connect-failure,reset" }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: usual }
        spec:
          hosts: [usual]
          http:
          - route:
            - destination: { host: usual }
            timeout: 10s
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: resilient }
        spec:
          host: resilient
          trafficPolicy:
            outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s }
        """;

    private IHost _host = null!;
    private HttpMessageInvoker _invoker = null!;
    private HttpMessageInvoker _direct = null!;
    private HttpRequestMessage _bare = null!;
    private HttpRequestMessage _resilient = null!;
    private HttpRequestMessage _usual = null!;
    private string _directory = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("mesh-bench-").FullName;
        File.WriteAllText(Path.Combine(_directory, "mesh.yaml"), Config);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Static:ConfigDirectory"] = _directory,
            ["Mesh:Static:Services:bare:0:Port"] = "9001",
            ["Mesh:Static:Services:resilient:0:Port"] = "9002",
            ["Mesh:Static:Services:usual:0:Port"] = "9003",
        });
        builder.Services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(new StubNetwork());
        builder.Services.AddMesh();
        _host = builder.Build();
        _host.Start();
        var handler = _host.Services.GetRequiredService<MeshHttpHandler>();
        handler.InnerHandler = new AnswerAtOnce();
        _invoker = new HttpMessageInvoker(handler);
        _direct = new HttpMessageInvoker(new AnswerAtOnce());
        _bare = new HttpRequestMessage(HttpMethod.Get, "http://bare:9080/items/1");
        _resilient = new HttpRequestMessage(HttpMethod.Get, "http://resilient:9080/items/1");
        _usual = new HttpRequestMessage(HttpMethod.Get, "http://usual:9080/items/1");
    }

    [Benchmark]
    public async Task<HttpResponseMessage> Direct() => await _direct.SendAsync(_bare, CancellationToken.None);

    [Benchmark(Baseline = true)]
    public async Task<HttpResponseMessage> RouteWithoutPolicies() => await _invoker.SendAsync(_bare, CancellationToken.None);

    /// <summary>A route as most are: a timeout, and Istio's default retries (no <c>retries</c> field).</summary>
    [Benchmark]
    public async Task<HttpResponseMessage> RouteWithTimeoutAndDefaultRetries() => await _invoker.SendAsync(_usual, CancellationToken.None);

    [Benchmark]
    public async Task<HttpResponseMessage> RouteWithTimeoutRetriesOutlierDetection() => await _invoker.SendAsync(_resilient, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup()
    {
        _invoker.Dispose();
        _direct.Dispose();
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class StubNetwork : Mesh.Transport.IMeshTransportFactory
    {
        public HttpMessageHandler Create(Mesh.Transport.TransportSettings settings) => new AnswerAtOnce();
    }

    private sealed class AnswerAtOnce : HttpMessageHandler
    {
        private readonly Task<HttpResponseMessage> _ok = Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _ok;
    }
}
