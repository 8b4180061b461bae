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

        if (!string.Equals(options.Registry, MeshRegistries.Static, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Mesh:Registry '{options.Registry}' is not a registry Mesh supports yet; use '{MeshRegistries.Static}'.");
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
}
