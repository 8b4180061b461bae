using Mesh.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Serves a web host's Kestrel endpoints as mesh endpoints: mTLS per PeerAuthentication.</summary>
public static class MeshWebHostBuilderExtensions
{
    /// <summary>
    /// Makes every Kestrel endpoint of the host a mesh endpoint, as a sidecar's inbound listener: each connection is served
    /// with the workload's current certificate and the PeerAuthentication in force for the workload and port (STRICT: mTLS
    /// only; PERMISSIVE, the default: mTLS and plaintext, HTTP/1.1 and HTTP/2, on one port; DISABLE: plaintext). The peer's
    /// identity is in <see cref="IMeshPeerIdentityFeature"/> and <c>HttpContext.Connection.ClientCertificate</c>. Also marks
    /// the instance as accepting mTLS when it registers with Consul, so callers' auto mTLS uses it. Needs <c>services.AddMesh()</c>.
    /// It sets Kestrel's endpoint defaults (<c>ConfigureEndpointDefaults</c>): an app that sets its own replaces the mesh's.
    /// </summary>
    /// <param name="builder">The web host builder (<c>WebApplicationBuilder.WebHost</c>).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IWebHostBuilder UseMesh(this IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(static services =>
        {
            services.TryAddSingleton<MeshInbound>();
            if (!services.Any(d => d.ImplementationType == typeof(MeshKestrelSetup)))
            {
                services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, MeshKestrelSetup>());
            }
        });
        return builder;
    }
}
