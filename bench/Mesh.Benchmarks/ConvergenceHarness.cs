using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry.Consul;
using Mesh.Snapshot;
using Mesh.Telemetry;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Mesh.Benchmarks;

/// <summary>
/// Config convergence: N in-process watchers (each a Consul registry and snapshot provider, as in
/// N services) on one real Consul agent; time from a KV write until every watcher has the new
/// snapshot in force, repeated; prints p50, p90, p99 and max. Not a BenchmarkDotNet suite: what
/// is measured is a distributed wait, not a CPU-bound method.
/// </summary>
internal static class ConvergenceHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var watchers = HarnessMath.Arg(args, "--watchers", 50);
        var rounds = HarnessMath.Arg(args, "--rounds", 200);
        await using var agent = new ConsulAgent();
        await agent.StartAsync();
        Console.WriteLine($"Consul dev agent at {agent.Address}; {watchers} watchers; {rounds} rounds");

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new MeshMetrics(services.GetRequiredService<IMeterFactory>());
        var options = Options.Create(new MeshOptions
        {
            Registry = MeshRegistries.Consul,
            Consul = { Address = agent.Address, KeyPrefix = "bench/", SnapshotPath = Path.Combine(Path.GetTempPath(), "mesh-bench", "state.json") },
        });

        var registries = new List<ConsulRegistry>();
        var providers = new List<MeshSnapshotProvider>();
        for (var i = 0; i < watchers; i++)
        {
            var registry = new ConsulRegistry(options, TimeProvider.System, NullLogger<ConsulRegistry>.Instance);
            await registry.InitializeAsync(CancellationToken.None);
            registries.Add(registry);
            providers.Add(new MeshSnapshotProvider(registry, options, metrics, NullLogger<MeshSnapshotProvider>.Instance));
        }

        using var consul = ConsulClient.Create(ConsulConnection.Resolve(agent.Address, null));
        var samples = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var marker = $"round-{round}";
            var applied = providers.Select(p => WaitForRoute(p, marker)).ToArray();
            var clock = Stopwatch.StartNew();
            await consul.PutKeyAsync("bench/virtualservice/default/svc", Document(marker), null, CancellationToken.None);
            await Task.WhenAll(applied).WaitAsync(TimeSpan.FromSeconds(30));
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        Console.WriteLine($"time from KV write to all {watchers} snapshots applied, over {rounds} writes:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p50 {HarnessMath.Percentile(samples, 0.50):0.0} ms | p90 {HarnessMath.Percentile(samples, 0.90):0.0} ms | p99 {HarnessMath.Percentile(samples, 0.99):0.0} ms | max {samples[^1]:0.0} ms | min {samples[0]:0.0} ms"));

        // What one watcher spends per update, without Consul: read the state and compile a snapshot.
        var reload = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            providers[0].Reload();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one watcher's reload (read state + validate + compile): {reload.Elapsed.TotalMilliseconds / 200:0.000} ms"));

        foreach (var provider in providers)
        {
            provider.Dispose();
        }

        foreach (var registry in registries)
        {
            await registry.DisposeAsync();
        }

        return 0;
    }

    /// <summary>Completes when <paramref name="provider"/> has a snapshot in force whose route carries <paramref name="marker"/>.</summary>
    private static Task WaitForRoute(MeshSnapshotProvider provider, string marker)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IDisposable? registration = null;
        void Check()
        {
            if (provider.Current.Documents.OfType<VirtualService>().Any(v => v.Spec.Http.Any(r => r.Name == marker)))
            {
                done.TrySetResult();
                registration?.Dispose();
            }
        }

        registration = ChangeToken.OnChange(provider.GetChangeToken, Check);
        Check();
        return done.Task;
    }

    private static string Document(string marker) =>
        $$$"""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"svc","namespace":"default"},"spec":{"hosts":["svc"],"http":[{"name":"{{{marker}}}","route":[{"destination":{"host":"svc"}}]}]}}""";
}
