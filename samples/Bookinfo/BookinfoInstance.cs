namespace Bookinfo;

/// <summary>One running Bookinfo service instance.</summary>
/// <param name="Service">The service name, such as <c>reviews</c>.</param>
/// <param name="Version">The version label, such as <c>v2</c>.</param>
/// <param name="Port">The loopback port it listens on.</param>
/// <param name="App">The host.</param>
/// <param name="GrpcPort">The loopback port of its gRPC API (ratings: service port 9090), or null when it has none.</param>
public sealed record BookinfoInstance(string Service, string Version, int Port, WebApplication App, int? GrpcPort = null)
{
    /// <summary>Gets the instance id, as the page shows it (<c>reviews-v2-7f9c4</c>).</summary>
    public string InstanceId => App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Mesh.Hosting.MeshOptions>>().Value.InstanceId!;
}
