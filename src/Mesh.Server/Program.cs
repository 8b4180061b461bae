using Mesh.Configuration;
using Microsoft.Extensions.Options;

namespace Mesh.Server;

/// <summary>
/// <c>dotnet run --project src/Mesh.Server -- --xds-port 15010 --port 15014 [--address IP] [--Mesh:Registry Consul] [--Mesh:...]</c>
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var app = MeshServerHost.Build(args);
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or OptionsValidationException or MeshConfigException)
        {
            // Bad input: one clear message and exit code 1, not a stack trace.
            await Console.Error.WriteLineAsync($"Mesh.Server: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
