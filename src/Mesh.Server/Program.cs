namespace Mesh.Server;

/// <summary>
/// <c>dotnet run --project src/Mesh.Server -- --xds-port 15010 --port 15014 [--address IP] [--Mesh:Registry Consul] [--Mesh:...]</c>
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var app = MeshServerHost.Build(args);
        await app.RunAsync().ConfigureAwait(false);
    }
}
