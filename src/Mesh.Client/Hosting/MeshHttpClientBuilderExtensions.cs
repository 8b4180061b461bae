using Mesh.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts the mesh into HttpClients made by IHttpClientFactory.</summary>
public static class MeshHttpClientBuilderExtensions
{
    /// <summary>
    /// Routes this client's requests through the mesh: hosts that are mesh services are routed and
    /// load balanced; other hosts pass through. Works per client and in <c>ConfigureHttpClientDefaults</c>.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <returns>The same builder.</returns>
    public static IHttpClientBuilder AddMesh(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddHttpMessageHandler(static sp => sp.GetRequiredService<MeshHttpHandler>());
    }
}
