using Mesh.Registry;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Loads the mesh at host start, so invalid config stops the host before it serves, with every error listed.</summary>
internal sealed partial class MeshStartupService(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // A static registry with no instances and no documents knows no service: every request passes
        // through untouched, which is what a forgotten or misspelled "Mesh" section looks like. A workload that serves
        // in the mesh (UseMesh()) and calls no mesh service is not that: it is not warned about.
        var mesh = services.GetRequiredService<IOptions<MeshOptions>>().Value;
        if (string.Equals(mesh.Registry, MeshRegistries.Static, StringComparison.OrdinalIgnoreCase)
            && mesh.Static.Services.Count == 0
            && string.IsNullOrEmpty(mesh.Static.ConfigDirectory)
            && services.GetService<IServiceProviderIsService>()?.IsService(typeof(MeshInbound)) != true)
        {
            var logger = services.GetService<ILogger<MeshStartupService>>() ?? (ILogger)NullLogger.Instance;
            Log.NoMeshServicesConfigured(logger, MeshOptions.SectionName);
        }

        // Consul Connect's CA: the leaf is asked for now, alongside the registry, so a first mTLS request finds it. The start
        // does not wait for it here (a cold start from the state file must not wait on Consul); UseMesh() does, before Kestrel serves.
        if (string.Equals(MeshSecurityFactory.SourceOf(mesh), MeshCertificateSources.Consul, StringComparison.OrdinalIgnoreCase))
        {
            _ = services.GetRequiredService<Security.MeshSecurity>().Certificates;
        }

        await services.GetRequiredService<IMeshStateSource>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        _ = services.GetRequiredService<MeshSnapshotProvider>();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.NoMeshServicesConfigured, LogLevel.Warning,
            "No mesh services are configured: the '{Section}' configuration section is missing, or names no Static:Services, no Static:ConfigDirectory and no Consul registry; every request passes through unrouted")]
        public static partial void NoMeshServicesConfigured(ILogger logger, string section);
    }
}
