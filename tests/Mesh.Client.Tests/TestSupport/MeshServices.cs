using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Snapshot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Tests;

/// <summary>
/// The mesh as an app wires it: <c>AddMesh</c> and an IHttpClientFactory client with <c>.AddMesh()</c>,
/// over a <see cref="TestStateSource"/> and a <see cref="RecordingHandler"/> standing in for the network.
/// </summary>
internal sealed class MeshServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public MeshServices(TestStateSource source, IMeshRandom? random = null, Action<MeshOptions>? configure = null)
    {
        Source = source;
        var services = new ServiceCollection();

        // AddMesh binds the "Mesh" section, so it needs an IConfiguration, as every host has.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSingleton<IMeshStateSource>(source);
        if (random is not null)
        {
            services.AddSingleton(random);
        }

        // The mesh sends through connection pools of its own: each of them sends to the fake network.
        services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(Transports = new TestTransportFactory(Network));
        services.AddMesh(configure ?? (static _ => { }));
        services.AddHttpClient("mesh").AddMesh().ConfigurePrimaryHttpMessageHandler(() => Network);
        _provider = services.BuildServiceProvider();
        Client = _provider.GetRequiredService<IHttpClientFactory>().CreateClient("mesh");
    }

    public TestStateSource Source { get; }

    public RecordingHandler Network { get; } = new();

    /// <summary>Gets the mesh's connection pools, each over <see cref="Network"/>.</summary>
    public TestTransportFactory Transports { get; }

    public HttpClient Client { get; }

    public MeshSnapshotProvider Provider => _provider.GetRequiredService<MeshSnapshotProvider>();

    public IServiceProvider Services => _provider;

    public void Dispose()
    {
        Client.Dispose();
        _provider.Dispose();
    }
}
