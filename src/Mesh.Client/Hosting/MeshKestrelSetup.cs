using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>
/// Puts <see cref="MeshInbound"/> in front of every Kestrel endpoint, through the endpoint defaults. Registered ahead of
/// every other Kestrel setup, since Kestrel applies the defaults when an endpoint is declared (<c>Listen</c>), not later.
/// Loads the certificate source.
/// </summary>
internal sealed class MeshKestrelSetup(MeshInbound inbound, Security.MeshSecurity security) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        // The certificate source loads now, before the server serves: a first handshake never waits on it, and files
        // that do not load fail the start with the reason.
        _ = security.Certificates.Current;

        // Plaintext HTTP/2 is served as if ALPN said h2: the request's :scheme (http) is then not the connection's.
        options.AllowAlternateSchemes = true;
        options.ConfigureEndpointDefaults(listen => listen.Use(inbound.Middleware(listen)));
    }
}
