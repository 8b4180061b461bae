using Mesh.Registry;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Hosting;

/// <summary>Loads the mesh at host start, so invalid config stops the host before it serves, with every error listed.</summary>
internal sealed class MeshStartupService(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.GetRequiredService<IMeshStateSource>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        _ = services.GetRequiredService<MeshSnapshotProvider>();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
