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
            failures.Add($"Mesh:Static:ConfigDirectory '{dir}' does not exist ({Path.GetFullPath(dir)}); create it or fix the path.");
        }

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
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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

        if (!consul.HealthPath.StartsWith('/'))
        {
            failures.Add($"Mesh:Consul:HealthPath '{consul.HealthPath}' must start with '/'.");
        }
    }
}
