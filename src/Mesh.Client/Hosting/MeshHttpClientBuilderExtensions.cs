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
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <remarks>
    /// Needs <see cref="MeshServiceCollectionExtensions.AddMesh(IServiceCollection)"/> on the same
    /// services; without it, creating the client throws <see cref="InvalidOperationException"/>.
    /// </remarks>
    public static IHttpClientBuilder AddMesh(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddHttpMessageHandler(static sp => sp.GetRequiredService<MeshHttpHandler>());
    }
}
