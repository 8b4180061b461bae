using Mesh.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Builds the workload's <see cref="MeshSecurity"/> from <see cref="MeshOptions"/>: its SPIFFE ID and its certificate source.</summary>
internal static class MeshSecurityFactory
{
    public static MeshSecurity Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MeshOptions>>().Value;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var identity = SpiffeId.ForWorkload(options.TrustDomain, options.Namespace, ServiceAccountOf(options));
        var domains = new[] { options.TrustDomain }.Concat(options.TrustDomainAliases).Distinct(StringComparer.Ordinal).ToArray();
        return new MeshSecurity(identity, domains, () => CreateProvider(options, identity, time, loggers), time, loggers.CreateLogger<MeshSecurity>());
    }

    /// <summary>Mesh:Certificates:Source as configured, else <c>Consul</c> with the Consul registry, else <c>LocalCa</c>.</summary>
    public static string SourceOf(MeshOptions options) =>
        options.Certificates.Source is { Length: > 0 } source ? source
        : string.Equals(options.Registry, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase) ? MeshCertificateSources.Consul
        : MeshCertificateSources.LocalCa;

    /// <summary>Mesh:ServiceAccount, else the service name, else <c>default</c> (Kubernetes' default service account).</summary>
    public static string ServiceAccountOf(MeshOptions options) =>
        options.ServiceAccount is { Length: > 0 } account ? account : options.Service.Length > 0 ? options.Service : "default";

    public static IMeshCertificateProvider CreateProvider(MeshOptions mesh, SpiffeId identity, TimeProvider time, ILoggerFactory loggers)
    {
        var options = mesh.Certificates;
        var source = SourceOf(mesh);
        if (string.Equals(source, MeshCertificateSources.Consul, StringComparison.OrdinalIgnoreCase))
        {
            // Consul's leaf is per service name: under this source the service account is the service name (the validator refuses another).
            var client = Registry.Consul.ConsulClient.Create(Registry.Consul.ConsulConnection.From(mesh.Consul));
            return new Registry.Consul.ConsulCertificateProvider(client, identity.ServiceAccount!, mesh.Consul.WaitTime, time, loggers.CreateLogger<Registry.Consul.ConsulCertificateProvider>());
        }

        if (string.Equals(source, MeshCertificateSources.Files, StringComparison.OrdinalIgnoreCase))
        {
            var files = options.Files;
            var found = files.Directory is { Length: > 0 } dir ? FileCertificateProvider.Probe(dir) : null;
            var chain = files.CertificateChain ?? found?.Chain;
            var key = files.PrivateKey ?? found?.Key;
            var ca = files.CaCertificates ?? found?.Ca;
            if (chain is null || key is null || ca is null)
            {
                throw new InvalidOperationException(
                    "Mesh:Certificates:Files: set CertificateChain, PrivateKey and CaCertificates, or a Directory holding cert-chain.pem/key.pem/root-cert.pem, tls.crt/tls.key/ca.crt or svid.pem/svid_key.pem/svid_bundle.pem" +
                    (files.Directory is null ? "" : $" ('{files.Directory}' holds none of them)"));
            }

            return new FileCertificateProvider(chain, key, ca, files.RefreshInterval, time, loggers.CreateLogger<FileCertificateProvider>());
        }

        var local = options.LocalCa;
        return new LocalCaCertificateProvider(local.Directory ?? LocalCa.DefaultDirectory, identity, local.LeafLifetime, local.RefreshInterval, time, loggers.CreateLogger<LocalCaCertificateProvider>());
    }
}
