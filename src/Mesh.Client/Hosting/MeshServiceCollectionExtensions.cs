using Mesh.Hosting;
using Mesh.Http;
using Mesh.Registry;
using Mesh.Registry.Consul;
using Mesh.Registry.Static;
using Microsoft.AspNetCore.Hosting;
using Mesh.Snapshot;
using Mesh.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the mesh to a service collection.</summary>
public static class MeshServiceCollectionExtensions
{
    /// <summary>
    /// Adds the mesh: <see cref="MeshOptions"/> bound from the <c>Mesh</c> configuration section, the
    /// registry <see cref="MeshOptions.Registry"/> names, and the handler that
    /// <see cref="MeshHttpClientBuilderExtensions.AddMesh(IHttpClientBuilder)"/> puts into clients.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder for mesh features.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <remarks>
    /// Errors surface when the host starts, before it serves: invalid options throw
    /// <see cref="OptionsValidationException"/> and invalid mesh config throws
    /// <see cref="Mesh.Configuration.MeshConfigException"/>, each listing every failure found.
    /// </remarks>
    public static IMeshBuilder AddMesh(this IServiceCollection services) => services.AddMesh(static _ => { });

    /// <summary>Adds the mesh as <see cref="AddMesh(IServiceCollection)"/> does, with <paramref name="configure"/> applied to the options after binding.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Changes applied after binding, before validation.</param>
    /// <returns>A builder for mesh features.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    /// <remarks>
    /// Errors surface when the host starts, before it serves: invalid options throw
    /// <see cref="OptionsValidationException"/> and invalid mesh config throws
    /// <see cref="Mesh.Configuration.MeshConfigException"/>, each listing every failure found.
    /// </remarks>
    public static IMeshBuilder AddMesh(this IServiceCollection services, Action<MeshOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<MeshOptions>().BindConfiguration(MeshOptions.SectionName).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshOptions>, MeshOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MeshOptions>, MeshOptionsPostConfigure>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MeshMetrics>();
        services.TryAddSingleton(static sp =>
        {
            var security = MeshSecurityFactory.Create(sp);
            sp.GetRequiredService<MeshMetrics>().ObserveCertificates(security.CertificateExpiry);
            return security;
        });
        services.TryAddSingleton(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<MeshOptions>>().Value;
            var accessLog = o.AccessLog ? sp.GetRequiredService<ILoggerFactory>().CreateLogger(AccessLog.Category) : null;
            return new MeshClientTelemetry(sp.GetRequiredService<MeshMetrics>(), MeshWorkload.FromLabels(o.Service, o.Namespace, o.Labels), sp.GetRequiredService<TimeProvider>(), accessLog);
        });
        services.TryAddSingleton(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<MeshOptions>>().Value;
            var accessLog = o.AccessLog ? sp.GetRequiredService<ILoggerFactory>().CreateLogger(AccessLog.Category) : null;
            return new MeshServerTelemetry(sp.GetRequiredService<MeshMetrics>(), MeshWorkload.FromLabels(o.Service, o.Namespace, o.Labels), sp.GetRequiredService<TimeProvider>(), accessLog);
        });
        services.TryAddSingleton<Mesh.Transport.IMeshTransportFactory, Mesh.Transport.SocketsTransportFactory>();
        services.TryAddSingleton<Mesh.Transport.MeshTransportPool>();
        services.TryAddSingleton<StaticRegistry>();
        services.TryAddSingleton<ConsulRegistry>();
        services.TryAddSingleton(static sp =>
        {
            var xds = ActivatorUtilities.CreateInstance<Mesh.Registry.Xds.XdsRegistry>(sp);
            sp.GetRequiredService<MeshMetrics>().ObserveXdsClient(() => xds.Connected, () => xds.ResourceUpdates(valid: true), () => xds.ResourceUpdates(valid: false));
            return xds;
        });
        services.TryAddSingleton<IMeshStateSource>(static sp =>
            sp.GetRequiredService<IOptions<MeshOptions>>().Value.Registry switch
            {
                var r when string.Equals(r, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase) => sp.GetRequiredService<ConsulRegistry>(),
                var r when string.Equals(r, MeshRegistries.Xds, StringComparison.OrdinalIgnoreCase) => sp.GetRequiredService<Mesh.Registry.Xds.XdsRegistry>(),
                _ => sp.GetRequiredService<StaticRegistry>(),
            });
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<MeshSnapshotProvider>(sp));
        services.TryAddSingleton<Mesh.Runtime.IMeshStatus>(static sp => sp.GetRequiredService<MeshSnapshotProvider>());
        services.TryAddTransient<MeshHttpHandler>();

        // First of the filters, so that it runs last and its order stands (the factory's logging filter adds its handlers too).
        if (!services.Any(d => d.ImplementationType == typeof(MeshHandlerOrderFilter)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<Microsoft.Extensions.Http.IHttpMessageHandlerBuilderFilter, MeshHandlerOrderFilter>());
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.Net.Client.Balancer.ResolverFactory, Mesh.Grpc.MeshResolverFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.Net.Client.Balancer.ResolverFactory, Mesh.Grpc.XdsResolverFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.Net.Client.Balancer.LoadBalancerFactory, Mesh.Grpc.MeshLoadBalancerFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MeshStartupService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ConsulRegistration>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, MeshHealthStartupFilter>());

        // After the health check's filter, so that a deny-all policy leaves the registry's health check answered.
        services.TryAddSingleton<Mesh.Security.Authorization.AuthorizationEngine>();
        services.TryAddSingleton<Mesh.Security.Authorization.AuthorizationCounters>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, MeshAuthorizationStartupFilter>());
        // Inbound telemetry first of all startup filters, so its middleware is outermost and records every response the
        // mesh's other inbound filters (authorization, health) give; they are appended after it (MeshTelemetryStartupFilter).
        if (!services.Any(d => d.ImplementationType == typeof(MeshTelemetryStartupFilter)))
        {
            services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, MeshTelemetryStartupFilter>());
        }
        services.AddHealthChecks();
        services.AddHttpClient();
        return new MeshBuilder(services);
    }
}
