using System.Net;
using System.Text;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry.Consul;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Client.Tests.Registry.Consul;

/// <summary>The hold on a service's instances, through the registry, over a scripted Consul and a fake clock.</summary>
public sealed class ConsulRegistryHoldTests : IAsyncDisposable
{
    private const string Passing = """{"CheckID":"service:a","Status":"passing","Output":"HTTP GET http://127.0.0.1:5000/mesh/health: 200 OK Output: Healthy"}""";
    private const string NotRunYet = """{"CheckID":"service:a","Status":"critical","Output":""}""";
    private const string Failed = """{"CheckID":"service:a","Status":"critical","Output":"HTTP GET http://127.0.0.1:5000/mesh/health: 503 Service Unavailable Output: Unhealthy"}""";
    private static readonly ServiceKey Reviews = new("reviews", "default");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 17, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<ConsulRegistry> _logger = new();
    private readonly ScriptedConsul _consul = new();
    private readonly HttpClient _http;
    private readonly ConsulRegistry _registry;

    public ConsulRegistryHoldTests()
    {
        _http = new HttpClient(_consul) { BaseAddress = new Uri("http://consul:8500/") };
        var options = Options.Create(new MeshOptions
        {
            Registry = MeshRegistries.Consul,
            Consul = { SnapshotPath = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.json"), HealthGracePeriod = TimeSpan.FromSeconds(15) },
        });
        _registry = new ConsulRegistry(options, _time, _logger, new ConsulClient(_http));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChecksNotRunYet_HeldForTheGrace_ThenTheEmptySetApplies()
    {
        await StartWithOneInstanceAsync();

        _consul.SetHealth($"[{Entry(NotRunYet)}]");
        await UntilAsync(() => _logger.Collector.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.ConsulHealthHeld), "the hold to begin");
        Assert.Single(_registry.Read().Instances[Reviews]);

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Single(_registry.Read().Instances[Reviews]);

        _time.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => _registry.Read().Instances[Reviews].Count == 0, "the empty set to apply when the grace runs out");
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Message == "The hold on reviews.default.svc.cluster.local ended after 15.0 s; 0 passing instances are in force");
    }

    [Fact]
    public async Task ChecksNotRunYet_ThenPassing_EndsTheHoldAtOnce()
    {
        await StartWithOneInstanceAsync();

        _consul.SetHealth($"[{Entry(NotRunYet)}]");
        await UntilAsync(() => _logger.Collector.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.ConsulHealthHeld), "the hold to begin");
        _time.Advance(TimeSpan.FromSeconds(2));
        _consul.SetHealth($"[{Entry(Passing, "reviews-2", 5002)}]");
        await UntilAsync(() => _registry.Read().Instances[Reviews] is [{ Id: "reviews-2" }], "the new passing instance to apply");
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Message == "The hold on reviews.default.svc.cluster.local ended after 2.0 s; 1 passing instances are in force");

        // The old timer must not apply anything later.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(_registry.Read().Instances[Reviews]);
    }

    [Fact]
    public async Task ACheckRanAndFailed_AppliesAtOnce()
    {
        await StartWithOneInstanceAsync();

        _consul.SetHealth($"[{Entry(Failed)}]");
        await UntilAsync(() => _registry.Read().Instances[Reviews].Count == 0, "the failed instance to leave rotation");
        Assert.DoesNotContain(_logger.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.ConsulHealthHeld);
    }

    private static string Entry(string check, string id = "reviews-1", int port = 5001) =>
        $$$"""{"Node":{"Node":"node1","Address":"127.0.0.1"},"Service":{"ID":"{{{id}}}","Service":"reviews","Address":"127.0.0.1","Port":{{{port}}},"Meta":{"version":"v1"}},"Checks":[{"CheckID":"serfHealth","Status":"passing","Output":"Agent alive and reachable"},{{{check}}}]}""";

    private async Task StartWithOneInstanceAsync()
    {
        _consul.SetHealth($"[{Entry(Passing)}]");
        await _registry.InitializeAsync(Ct);
        await _registry.WarmAsync(Reviews, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Single(_registry.Read().Instances[Reviews]);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"timed out after 10 s waiting for {what}");
            await Task.Delay(5, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        _http.Dispose();
    }

    /// <summary>Consul's KV, catalog and health reads with blocking queries: a read with the current index waits for the next change.</summary>
    private sealed class ScriptedConsul : HttpMessageHandler
    {
        private readonly Lock _gate = new();
        private ulong _index = 10;
        private string _health = "[]";
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void SetHealth(string json)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _health = json;
                _index++;
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            while (true)
            {
                Task changed;
                string health;
                ulong index;
                lock (_gate)
                {
                    changed = _changed.Task;
                    health = _health;
                    index = _index;
                }

                if (query["index"] is { } asked && ulong.Parse(asked, System.Globalization.CultureInfo.InvariantCulture) >= index)
                {
                    await changed.WaitAsync(cancellationToken);
                    continue;
                }

                var response = uri.AbsolutePath switch
                {
                    var p when p.StartsWith("/v1/kv/", StringComparison.Ordinal) => new HttpResponseMessage(HttpStatusCode.NotFound),
                    "/v1/catalog/services" => Json("""{"consul":[],"reviews":[]}"""),
                    "/v1/health/service/reviews" => Json(health),
                    "/v1/agent/self" => Json("""{"Config":{"NodeName":"node1"}}"""),
                    _ => new HttpResponseMessage(HttpStatusCode.NotFound),
                };
                response.Headers.Add("X-Consul-Index", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return response;
            }
        }

        private static HttpResponseMessage Json(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
    }
}
