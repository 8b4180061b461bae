using System.Globalization;
using Mesh.Runtime;
using Mesh.Snapshot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Tests;

/// <summary>
/// The mesh as an app wires it, over the real network: <c>AddMesh</c> with the static registry
/// (instances in configuration, pointing at loopback ports; documents in a temp config directory)
/// and an IHttpClientFactory client with <c>.AddMesh()</c> on the default SocketsHttpHandler.
/// Time is a <see cref="TestTimeProvider"/> and randomness a <see cref="ScriptedRandom"/>
/// (0 when unscripted: round robin starts at 0, retry backoff is 0), both registered before
/// <c>AddMesh</c>, which only adds its own when none is there.
/// </summary>
internal sealed class LiveMesh : IAsyncDisposable
{
    public const string ReviewsCluster = "outbound|||reviews.default.svc.cluster.local";

    private readonly ServiceProvider _services;
    private readonly TempDirectory _directory;

    private LiveMesh(ServiceProvider services, TempDirectory directory, TestTimeProvider time, ScriptedRandom random, string clientName)
    {
        _services = services;
        _directory = directory;
        Time = time;
        Random = random;
        Client = services.GetRequiredService<IHttpClientFactory>().CreateClient(clientName);

        // A test that waits on a call that never ends fails in seconds, not HttpClient's default 100.
        Client.Timeout = TimeSpan.FromSeconds(20);

        // Build the first snapshot now: it draws round-robin offsets, before a test scripts the random.
        _ = Provider;
    }

    public TestTimeProvider Time { get; }

    public ScriptedRandom Random { get; }

    /// <summary>Gets the connection pools the mesh built (real SocketsHttpHandlers), in order.</summary>
    public required TestTransportFactory Transports { get; init; }

    public HttpClient Client { get; }

    public MeshSnapshotProvider Provider => _services.GetRequiredService<MeshSnapshotProvider>();

    /// <summary>Gets the mesh's services (its IMeterFactory, for a MetricCollector scoped to this mesh).</summary>
    public IServiceProvider Services => _services;

    /// <summary>Starts a mesh over <paramref name="instances"/> (all of service reviews unless named) with <paramref name="yaml"/> as its config.</summary>
    /// <param name="yaml">The config documents, or empty for none.</param>
    /// <param name="instances">The instances: a port, and labels.</param>
    /// <param name="configureClient">Builds the client; null adds the mesh only.</param>
    /// <param name="settings">More configuration, such as <c>Mesh:Service</c>; null for none.</param>
    public static LiveMesh Start(string yaml, IEnumerable<LiveInstance> instances, Action<IHttpClientBuilder>? configureClient = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var directory = new TempDirectory();
        if (!string.IsNullOrWhiteSpace(yaml))
        {
            directory.Write("mesh.yaml", yaml);
        }

        var configuration = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Mesh:Static:ConfigDirectory"] = directory.Path };
        foreach (var group in instances.GroupBy(i => i.Service))
        {
            var index = 0;
            foreach (var instance in group)
            {
                var prefix = $"Mesh:Static:Services:{group.Key}:{index++}:";
                configuration[prefix + "Address"] = "127.0.0.1";
                configuration[prefix + "Port"] = instance.Port.ToString(CultureInfo.InvariantCulture);
                foreach (var (key, value) in instance.Labels)
                {
                    configuration[prefix + "Labels:" + key] = value;
                }
            }
        }

        var time = new TestTimeProvider();
        var random = new ScriptedRandom();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IMeshRandom>(random);
        var transports = TestTransportFactory.Real();
        services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(transports);
        services.AddMesh();
        var client = services.AddHttpClient("live");
        (configureClient ?? (static b => b.AddMesh()))(client);
        return new LiveMesh(services.BuildServiceProvider(), directory, time, random, "live") { Transports = transports };
    }

    public static LiveInstance Reviews(int port, string version = "v1") => new("reviews", port, [("version", version)]);

    /// <summary>Gets a cluster's runtime state, by Istio's name.</summary>
    public ClusterState Cluster(string name = ReviewsCluster) => Provider.Routes.Clusters[name];

    /// <summary>Gets the index of the endpoint on <paramref name="port"/> in its cluster: what a scripted RANDOM pick returns to choose it.</summary>
    public int IndexOf(int port, string cluster = ReviewsCluster) =>
        Array.FindIndex(Cluster(cluster).Endpoints, e => e.Port == port) is var i and >= 0 ? i : throw new ArgumentException($"no endpoint on port {port} in {cluster}");

    /// <summary>Replaces the config file and waits until the mesh applied it.</summary>
    public async Task ApplyAsync(string yaml)
    {
        var version = Provider.Current.Version;
        _directory.Write("mesh.yaml", yaml);

        // The static registry reloads 150 ms (on this fake clock) after the file system says the file changed.
        await Eventually.WaitAsync(
            () =>
            {
                Time.Advance(TimeSpan.FromMilliseconds(150));
                return Provider.Current.Version > version;
            },
            $"the mesh to apply the config after version {version}");
    }

    public Task<HttpResponseMessage> GetAsync(string path = "/", params (string Name, string Value)[] headers) =>
        Client.SendAsync(TestMesh.Request("http://reviews:9080" + path, headers), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _services.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>An instance of a service for <see cref="LiveMesh"/>: its loopback port and labels.</summary>
internal sealed record LiveInstance(string Service, int Port, (string Key, string Value)[] Labels);
