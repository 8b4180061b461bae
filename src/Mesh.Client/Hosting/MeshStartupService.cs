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
        // through untouched, which is what a forgotten or misspelled "Mesh" section looks like.
        var mesh = services.GetRequiredService<IOptions<MeshOptions>>().Value;
        if (!string.Equals(mesh.Registry, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase)
            && mesh.Static.Services.Count == 0
            && string.IsNullOrEmpty(mesh.Static.ConfigDirectory))
        {
            var logger = services.GetService<ILogger<MeshStartupService>>() ?? (ILogger)NullLogger.Instance;
            Log.NoMeshServicesConfigured(logger, MeshOptions.SectionName);
        }

        // Consul Connect's CA: the service waits for its first leaf, as Consul's own proxies do; asked now, alongside the registry.
        var consulCertificates = string.Equals(MeshSecurityFactory.SourceOf(mesh), MeshCertificateSources.Consul, StringComparison.OrdinalIgnoreCase)
            ? services.GetRequiredService<Security.MeshSecurity>().Certificates as Registry.Consul.ConsulCertificateProvider
            : null;
        await services.GetRequiredService<IMeshStateSource>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        _ = services.GetRequiredService<MeshSnapshotProvider>();
        if (consulCertificates is not null)
        {
            await consulCertificates.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.NoMeshServicesConfigured, LogLevel.Warning,
            "No mesh services are configured: the '{Section}' configuration section is missing, or names no Static:Services, no Static:ConfigDirectory and no Consul registry; every request passes through unrouted")]
        public static partial void NoMeshServicesConfigured(ILogger logger, string section);
    }
}
