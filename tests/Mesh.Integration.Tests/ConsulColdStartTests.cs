using System.Collections.Concurrent;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry.Consul;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Integration.Tests;

/// <summary>Many first requests to one service at once, as on a cold start under load: one watch, no failed request.</summary>
public sealed class ConsulColdStartTests(ConsulFixture consul) : IClassFixture<ConsulFixture>, IDisposable
{
    private const int Callers = 64;
    private readonly ConsulClient _consul = ConsulClient.Create(ConsulConnection.Resolve(consul.Agent.Address, null));
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WarmAsync_ManySimultaneousFirstCalls_HoldOneBlockingQueryPerService()
    {
        await _consul.RegisterServiceAsync(new AgentServiceRegistration { ID = $"{_service}-1", Name = _service, Address = "127.0.0.1", Port = 1 }, Ct);
        var requests = new RecordingHandler();
        using var http = new HttpClient(requests) { BaseAddress = new Uri(consul.Agent.Address + "/"), Timeout = Timeout.InfiniteTimeSpan };
        var options = Options.Create(new MeshOptions { Registry = MeshRegistries.Consul, Consul = { KeyPrefix = $"t/{_service}/", SnapshotPath = Path.Combine(Path.GetTempPath(), "mesh-tests", $"{Guid.NewGuid():N}.json") } });
        await using var registry = new ConsulRegistry(options, TimeProvider.System, NullLogger<ConsulRegistry>.Instance, new ConsulClient(http));
        await registry.InitializeAsync(Ct);

        using var barrier = new Barrier(Callers);
        var key = new ServiceKey(_service, "default");
        var calls = Enumerable.Range(0, Callers).Select(_ => Task.Factory.StartNew(
            () =>
            {
                barrier.SignalAndWait(Ct);
                return registry.WarmAsync(key, Ct);
            },
            Ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToArray();
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Single(registry.Read().Instances[key]);

        // A change wakes the one blocking query, which reads and blocks again: still one query at a time.
        await _consul.RegisterServiceAsync(new AgentServiceRegistration { ID = $"{_service}-2", Name = _service, Address = "127.0.0.1", Port = 2 }, Ct);
        await Wait.UntilAsync(() => registry.Read().Instances[key].Count == 2, "the watch to see the second instance");
        var health = requests.Paths.Where(p => p.StartsWith($"v1/health/service/{_service}", StringComparison.Ordinal)).ToList();
        Assert.True(health.Count(p => !p.Contains("index=", StringComparison.Ordinal)) == 1, $"first reads of {_service}: {string.Join(", ", health)}");
        Assert.True(requests.MaxInFlight(_service) == 1, $"{requests.MaxInFlight(_service)} queries on {_service} were in flight at once: {string.Join(", ", health)}");
    }

    [Fact]
    public async Task Client_ManySimultaneousFirstRequests_AllAnswered()
    {
        await using var backend = await Backend.StartAsync(consul.Agent.Address, _service, "v1");
        await Wait.UntilAsync(async () => (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, $"{_service} to pass its check");
        await using var client = await MeshClient.StartAsync(consul.Agent.Address, new Dictionary<string, string?> { ["Mesh:Consul:KeyPrefix"] = $"t/{_service}/" });
        await Wait.UntilAsync(() => client.Provider.Routes.TryGetService(_service, out _), $"the client to learn {_service} from the catalog");

        using var barrier = new Barrier(Callers);
        var calls = Enumerable.Range(0, Callers).Select(_ => Task.Factory.StartNew(
            () =>
            {
                barrier.SignalAndWait(Ct);
                return client.CallAsync(_service);
            },
            Ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToArray();
        var answers = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.All(answers, a => Assert.Equal(backend.InstanceId, a));
    }

    public void Dispose() => _consul.Dispose();

    /// <summary>Records each request to Consul and how many blocking queries per service were in flight at once.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentDictionary<string, (int Now, int Max)> _inFlight = new();

        public ConcurrentQueue<string> Paths { get; } = new();

        public int MaxInFlight(string service) => _inFlight.TryGetValue(service, out var v) ? v.Max : 0;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery.TrimStart('/') : request.RequestUri.OriginalString;
            Paths.Enqueue(path);
            var service = path.StartsWith("v1/health/service/", StringComparison.Ordinal) ? path["v1/health/service/".Length..].Split('?')[0] : null;
            if (service is null)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            _inFlight.AddOrUpdate(service, (1, 1), (_, v) => (v.Now + 1, Math.Max(v.Max, v.Now + 1)));
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                _inFlight.AddOrUpdate(service, (0, 0), (_, v) => (v.Now - 1, v.Max));
            }
        }
    }
}
