namespace Bookinfo;

/// <summary>One running Bookinfo service instance.</summary>
/// <param name="Service">The service name, such as <c>reviews</c>.</param>
/// <param name="Version">The version label, such as <c>v2</c>.</param>
/// <param name="Port">The loopback port it listens on.</param>
/// <param name="App">The host.</param>
/// <param name="GrpcPort">The loopback port of its gRPC API (ratings: service port 9090), or null when it has none.</param>
/// <param name="Mtls">Whether it serves mTLS (<c>UseMesh()</c>); PERMISSIVE also serves plaintext on the same port.</param>
public sealed record BookinfoInstance(string Service, string Version, int Port, WebApplication App, int? GrpcPort = null, bool Mtls = false)
{
    /// <summary>Gets its address: <c>https://127.0.0.1:PORT</c> when it serves mTLS, else <c>http://</c>.</summary>
    public Uri Url => new($"{(Mtls ? "https" : "http")}://127.0.0.1:{Port}/");

    /// <summary>Gets its SPIFFE ID's service account, as Istio's Bookinfo names it (<c>bookinfo-reviews</c>).</summary>
    public string ServiceAccount => BookinfoApp.ServiceAccount(Service);

    /// <summary>Gets the instance id, as the page shows it (<c>reviews-v2-7f9c4</c>).</summary>
    public string InstanceId => App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Mesh.Hosting.MeshOptions>>().Value.InstanceId!;
}
