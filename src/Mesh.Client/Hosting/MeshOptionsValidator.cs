using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Checks <see cref="MeshOptions"/> at start; every failure names the configuration key and the fix.</summary>
internal sealed class MeshOptionsValidator : IValidateOptions<MeshOptions>
{
    public ValidateOptionsResult Validate(string? name, MeshOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            failures.Add("Mesh:Namespace is empty; set it or remove it (the default is 'default').");
        }

        var consul = string.Equals(options.Registry, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase);
        var xds = string.Equals(options.Registry, MeshRegistries.Xds, StringComparison.OrdinalIgnoreCase);
        if (!consul && !xds && !string.Equals(options.Registry, MeshRegistries.Static, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Mesh:Registry '{options.Registry}' is not a registry Mesh knows; use '{MeshRegistries.Static}', '{MeshRegistries.Consul}' or '{MeshRegistries.Xds}'.");
        }

        if (xds)
        {
            try
            {
                _ = Registry.Xds.XdsBootstrap.Load(options.Xds.Bootstrap, Environment.GetEnvironmentVariable);
            }
            catch (Registry.Xds.XdsBootstrapException ex)
            {
                failures.Add(ex.Message);
            }

            if (options.Xds.ResourceTimeout <= TimeSpan.Zero)
            {
                failures.Add($"Mesh:Xds:ResourceTimeout is {options.Xds.ResourceTimeout}; it must be more than zero (gRPC uses 15 s).");
            }
        }

        if (consul)
        {
            ValidateConsul(options, failures);
        }

        if (options.Static.ConfigDirectory is { Length: > 0 } dir && !Directory.Exists(dir))
        {
            failures.Add($"Mesh:Static:ConfigDirectory '{dir}' does not exist ({Path.GetFullPath(dir)}); create it or fix the path (a relative path is resolved against the current directory, which for 'dotnet run --project' is the project's).");
        }

        ValidateSecurity(options, failures);

        foreach (var (service, instances) in options.Static.Services)
        {
            if (string.IsNullOrWhiteSpace(service) || service.Contains('*', StringComparison.Ordinal))
            {
                failures.Add($"Mesh:Static:Services '{service}' is not a service name.");
            }

            for (var i = 0; i < instances.Count; i++)
            {
                var instance = instances[i];
                if (instance.Port is < 1 or > 65535)
                {
                    failures.Add($"Mesh:Static:Services:{service}:{i}:Port is {instance.Port}; set the instance's port (1-65535).");
                }

                if (string.IsNullOrWhiteSpace(instance.Address))
                {
                    failures.Add($"Mesh:Static:Services:{service}:{i}:Address is empty; set the instance's address.");
                }

                ValidatePorts(instance.Ports, $"Mesh:Static:Services:{service}:{i}:Ports", failures);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Named ports: a name Consul Meta can carry (letters, digits, '-', '_'), ports in range, each name and service port once.</summary>
    private static void ValidatePorts(List<NamedPortOptions> ports, string key, List<string> failures)
    {
        for (var p = 0; p < ports.Count; p++)
        {
            var port = ports[p];
            if (string.IsNullOrEmpty(port.Name) || port.Name.Length > 63 || !port.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                failures.Add($"{key}:{p}:Name '{port.Name}' is not a port name; use 1-63 letters, digits, '-' or '_' (such as 'grpc-ratings').");
            }
            else if (ports.Take(p).Any(o => string.Equals(o.Name, port.Name, StringComparison.Ordinal)))
            {
                failures.Add($"{key}:{p}:Name '{port.Name}' is listed twice; name each port once.");
            }

            if (port.Port is < 1 or > 65535)
            {
                failures.Add($"{key}:{p}:Port is {port.Port}; set the service port callers name (1-65535).");
            }
            else if (ports.Take(p).Any(o => o.Port == port.Port))
            {
                failures.Add($"{key}:{p}:Port {port.Port} is listed twice; a service port names one port.");
            }

            if (port.TargetPort is { } target && target is < 1 or > 65535)
            {
                failures.Add($"{key}:{p}:TargetPort is {target}; use 1-65535, or leave it out for the service port itself.");
            }
        }
    }

    private static void ValidateSecurity(MeshOptions options, List<string> failures)
    {
        if (!Security.SpiffeId.TryParse($"spiffe://{options.TrustDomain}/ns/x/sa/y", out _, out var error))
        {
            failures.Add($"Mesh:TrustDomain '{options.TrustDomain}' is not a SPIFFE trust domain ({error}).");
        }

        foreach (var alias in options.TrustDomainAliases)
        {
            if (!Security.SpiffeId.TryParse($"spiffe://{alias}/ns/x/sa/y", out _, out error))
            {
                failures.Add($"Mesh:TrustDomainAliases '{alias}' is not a SPIFFE trust domain ({error}).");
            }
        }

        var account = MeshSecurityFactory.ServiceAccountOf(options);
        if (!Security.SpiffeId.TryParse($"spiffe://cluster.local/ns/x/sa/{account}", out var id, out error) || id.ServiceAccount != account)
        {
            failures.Add($"Mesh:ServiceAccount (or Mesh:Service, its default) '{account}' cannot be part of a SPIFFE ID: {error ?? "it must be one path segment (letters, digits, '.', '-', '_')"}.");
        }

        if (string.IsNullOrWhiteSpace(options.RootNamespace))
        {
            failures.Add("Mesh:RootNamespace is empty; use the default 'istio-system' or another namespace.");
        }

        var certificates = options.Certificates;
        var source = MeshSecurityFactory.SourceOf(options);
        var files = string.Equals(source, MeshCertificateSources.Files, StringComparison.OrdinalIgnoreCase);
        var consul = string.Equals(source, MeshCertificateSources.Consul, StringComparison.OrdinalIgnoreCase);
        if (!files && !consul && !string.Equals(source, MeshCertificateSources.LocalCa, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Mesh:Certificates:Source '{certificates.Source}' is not a certificate source; use '{MeshCertificateSources.LocalCa}', '{MeshCertificateSources.Files}' or '{MeshCertificateSources.Consul}'.");
        }

        // Consul Connect issues a leaf per service name (spiffe://UUID.consul/ns/NS/dc/DC/svc/SERVICE): the service name is the identity.
        if (consul && options.Service.Length > 0 && options.ServiceAccount is { Length: > 0 } serviceAccount && serviceAccount != options.Service)
        {
            failures.Add($"Mesh:ServiceAccount '{serviceAccount}' is not Mesh:Service '{options.Service}': with Mesh:Certificates:Source Consul" +
                $"{(certificates.Source is null ? " (the default with the Consul registry)" : "")}, Consul Connect's certificate names the service, so the service account is the service name. " +
                "Remove Mesh:ServiceAccount (and name the service as Istio's policies name the account), or set Mesh:Certificates:Source to LocalCa or Files.");
        }

        if (certificates.LocalCa.LeafLifetime < TimeSpan.FromMinutes(2))
        {
            failures.Add($"Mesh:Certificates:LocalCa:LeafLifetime is {certificates.LocalCa.LeafLifetime}; use 2 minutes or more.");
        }

        if (certificates.LocalCa.RefreshInterval <= TimeSpan.Zero || certificates.Files.RefreshInterval <= TimeSpan.Zero)
        {
            failures.Add("Mesh:Certificates:LocalCa:RefreshInterval and Mesh:Certificates:Files:RefreshInterval must be more than 0.");
        }

        if (files)
        {
            var f = certificates.Files;
            if (f.Directory is null && (f.CertificateChain is null || f.PrivateKey is null || f.CaCertificates is null))
            {
                failures.Add("Mesh:Certificates:Files: set CertificateChain, PrivateKey and CaCertificates, or Directory.");
            }
            else if (f.Directory is { } dir && !Directory.Exists(dir))
            {
                failures.Add($"Mesh:Certificates:Files:Directory '{dir}' does not exist.");
            }
        }
    }

    private static void ValidateConsul(MeshOptions options, List<string> failures)
    {
        var consul = options.Consul;
        try
        {
            _ = Registry.Consul.ConsulConnection.From(consul);
        }
        catch (ArgumentException ex)
        {
            failures.Add($"Mesh:Consul:Address (or CONSUL_HTTP_ADDR): {ex.Message}");
        }

        if (consul.CaFile is { Length: > 0 } ca && !File.Exists(ca))
        {
            failures.Add($"Mesh:Consul:CaFile '{ca}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(consul.KeyPrefix))
        {
            failures.Add("Mesh:Consul:KeyPrefix is empty; use the default 'mesh/config/' or another prefix.");
        }

        if (consul.WaitTime <= TimeSpan.Zero || consul.WaitTime > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Mesh:Consul:WaitTime is {consul.WaitTime}; use more than 0 and at most 10 minutes (Consul's limit).");
        }

        if (consul.CheckInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"Mesh:Consul:CheckInterval is {consul.CheckInterval}; use 100 ms or more.");
        }

        if (consul.RegisterPort is { } port && port is < 1 or > 65535)
        {
            failures.Add($"Mesh:Consul:RegisterPort is {port}; use 1-65535.");
        }

        ValidatePorts(consul.RegisterPorts, "Mesh:Consul:RegisterPorts", failures);

        if (!consul.HealthPath.StartsWith('/'))
        {
            failures.Add($"Mesh:Consul:HealthPath '{consul.HealthPath}' must start with '/'.");
        }
    }
}
