namespace Mesh.Transport;

/// <summary>
/// Builds each mesh connection pool as a sidecar's upstream connections: a <see cref="SocketsHttpHandler"/>
/// with explicit settings, and none of a client's own behaviour (cookies, redirects, proxies, decompression).
/// A pool with <see cref="TransportSettings.Tls"/> opens its connections through the mesh's TLS (mTLS with the
/// workload's current certificate, read per handshake).
/// </summary>
internal sealed class SocketsTransportFactory : IMeshTransportFactory
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    private readonly Security.MeshSecurity? _security;

    public SocketsTransportFactory()
    {
    }

    public SocketsTransportFactory(Security.MeshSecurity security) => _security = security;

    public HttpMessageHandler Create(TransportSettings settings) => CreateHandler(settings, _security);

    internal static SocketsHttpHandler CreateHandler(TransportSettings settings, Security.MeshSecurity? security = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = settings.IdleTimeout ?? DefaultIdleTimeout,
            ConnectTimeout = settings.ConnectTimeout ?? DefaultConnectTimeout,

            // An endpoint past 100 concurrent HTTP/2 streams gets another connection, as Envoy opens one.
            EnableMultipleHttp2Connections = true,
        };
        if (settings.MaxConnectionsPerServer is { } max)
        {
            handler.MaxConnectionsPerServer = max;
        }

        if (settings.Tls is { } tls)
        {
            if (security is not null && tls.Mode == Configuration.ClientTlsSettings.IstioMutual)
            {
                WarmCertificates(security);
            }

            // Without a security context (a standalone runtime, as meshctl describe builds) a TLS cluster fails at connect, not at build.
            handler.ConnectCallback = security is null
                ? static (_, _) => throw new InvalidOperationException("Mesh: the cluster's connections need TLS, but the mesh has no security context; build the transports through AddMesh().")
                : (context, cancellationToken) => security.ConnectAsync(context, tls, cancellationToken);
        }

        return handler;
    }

    /// <summary>Loads the certificate source when the first mTLS pool is built, so a first handshake does not wait on it.</summary>
    private static void WarmCertificates(Security.MeshSecurity security)
    {
        try
        {
            _ = security.Certificates.Current;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // The pool is still built: its handshakes fail with this reason (a connect failure), logged on each attempt.
        }
    }
}
