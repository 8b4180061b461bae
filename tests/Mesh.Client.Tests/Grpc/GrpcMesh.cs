using System.Globalization;
using Mesh.Grpc.Tests.Protos;
using Mesh.Runtime;
using Mesh.Snapshot;
using Mesh.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grpc.Tests;

/// <summary>
/// A gRPC client as an app wires it to the mesh, over the real network: <c>AddMesh</c> with the static registry
/// (instances of reviews on the backends' loopback ports, documents in a temp directory), and
/// <c>AddGrpcClient&lt;Echo.EchoClient&gt;(o =&gt; o.Address = new("http://reviews:9080")).AddMesh()</c>. Time is a
/// <see cref="TestTimeProvider"/> and randomness a <see cref="ScriptedRandom"/> (0 when unscripted).
/// </summary>
internal sealed class GrpcMesh : IAsyncDisposable
{
    public const string Address = "http://reviews:9080";

    private readonly ServiceProvider _services;
    private readonly TempDirectory _directory;

    private GrpcMesh(ServiceProvider services, TempDirectory directory, TestTimeProvider time, ScriptedRandom random)
    {
        _services = services;
        _directory = directory;
        Time = time;
        Random = random;

        // Build the first snapshot now: it draws round-robin offsets, before a test scripts the random.
        _ = Provider;
    }

    public TestTimeProvider Time { get; }

    public ScriptedRandom Random { get; }

    public IServiceProvider Services => _services;

    public MeshSnapshotProvider Provider => _services.GetRequiredService<MeshSnapshotProvider>();

    /// <summary>Gets the client of the app's gRPC client factory (one channel for the life of the mesh).</summary>
    public Echo.EchoClient Client => _services.GetRequiredService<Echo.EchoClient>();

    /// <summary>Starts a mesh over <paramref name="backends"/> (instances of reviews, labelled version v1, v2... in order unless given) with <paramref name="yaml"/> as its config.</summary>
    public static GrpcMesh Start(string yaml, IEnumerable<(GrpcBackend Backend, string Version)> backends, Action<IServiceCollection>? configure = null) =>
        Start(yaml, backends.Select(b => (b.Backend, "reviews", b.Version)), configure);

    /// <summary>Starts a mesh over <paramref name="backends"/>, each an instance of the service named, with <paramref name="yaml"/> as its config.</summary>
    public static GrpcMesh Start(string yaml, IEnumerable<(GrpcBackend Backend, string Service, string Version)> backends, Action<IServiceCollection>? configure = null) =>
        Start(yaml, backends, configure, source: null);

    /// <summary>Starts a mesh whose state comes from <paramref name="source"/> (a test changes it) instead of the static registry.</summary>
    public static GrpcMesh Start(Mesh.Registry.IMeshStateSource source) => Start("", [], configure: null, source);

    private static GrpcMesh Start(string yaml, IEnumerable<(GrpcBackend Backend, string Service, string Version)> backends, Action<IServiceCollection>? configure, Mesh.Registry.IMeshStateSource? source)
    {
        var directory = new TempDirectory();
        if (!string.IsNullOrWhiteSpace(yaml))
        {
            directory.Write("mesh.yaml", yaml);
        }

        var settings = new Dictionary<string, string?> { ["Mesh:Static:ConfigDirectory"] = directory.Path };
        var indexes = new Dictionary<string, int>();
        foreach (var (backend, service, version) in backends)
        {
            var index = indexes.GetValueOrDefault(service);
            indexes[service] = index + 1;
            var prefix = $"Mesh:Static:Services:{service}:{index}:";
            settings[prefix + "Address"] = "127.0.0.1";
            settings[prefix + "Port"] = backend.Port.ToString(CultureInfo.InvariantCulture);
            settings[prefix + "Labels:version"] = version;
        }

        var time = new TestTimeProvider();
        var random = new ScriptedRandom();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IMeshRandom>(random);
        if (source is not null)
        {
            services.AddSingleton<Mesh.Registry.IMeshStateSource>(source);
        }

        services.AddMesh();
        if (configure is null)
        {
            services.AddGrpcClient<Echo.EchoClient>(o => o.Address = new Uri(Address)).AddMesh();
        }
        else
        {
            configure(services);
        }

        return new GrpcMesh(services.BuildServiceProvider(), directory, time, random);
    }

    public static GrpcMesh Start(string yaml, params GrpcBackend[] backends) =>
        Start(yaml, backends.Select((b, i) => (b, $"v{i + 1}")));

    /// <summary>Gets a cluster's runtime state, by Istio's name.</summary>
    public ClusterState Cluster(string name) => Provider.Routes.Clusters[name];

    /// <summary>
    /// Makes a call (a channel connects on its first call) and waits for it, then until the channel's balancer has a
    /// READY subchannel to each of <paramref name="count"/> endpoints: from then on picks are exact. Call it before
    /// scripting the random: the warm-up call draws from it.
    /// </summary>
    public async Task ConnectAsync(int count)
    {
        try
        {
            await Client.SayAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: TestContext.Current.CancellationToken);
        }
        catch (global::Grpc.Core.RpcException)
        {
            // The warm-up call may fail (a fault, a backend told to fail); it made the channel connect.
        }

        var factory = _services.GetServices<global::Grpc.Net.Client.Balancer.LoadBalancerFactory>().OfType<MeshLoadBalancerFactory>().Single();
        await Eventually.WaitAsync(
            () => factory.Balancers.Any(b => b.ReadySubchannels >= count),
            $"the channel to have {count} READY subchannel(s) (it has {string.Join(", ", factory.Balancers.Select(b => b.ReadySubchannels))})");
    }

    /// <summary>Replaces the config file and waits until the mesh applied it.</summary>
    public async Task ApplyAsync(string yaml)
    {
        var version = Provider.Current.Version;
        _directory.Write("mesh.yaml", yaml);
        await Eventually.WaitAsync(
            () =>
            {
                Time.Advance(TimeSpan.FromMilliseconds(150));
                return Provider.Current.Version > version;
            },
            $"the mesh to apply the config after version {version}");
    }

    /// <summary>Makes a unary call and returns the name of the backend that answered.</summary>
    public async Task<string> SayAsync(params (string Key, string Value)[] metadata)
    {
        var headers = new global::Grpc.Core.Metadata();
        foreach (var (key, value) in metadata)
        {
            headers.Add(key, value);
        }

        var reply = await Client.SayAsync(new EchoRequest { Text = "hi" }, headers, DateTime.UtcNow.AddSeconds(20), TestContext.Current.CancellationToken);
        return reply.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _directory.Dispose();
    }
}
