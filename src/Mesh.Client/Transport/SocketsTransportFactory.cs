namespace Mesh.Transport;

/// <summary>
/// Builds each mesh connection pool as a sidecar's upstream connections: a <see cref="SocketsHttpHandler"/>
/// with explicit settings, and none of a client's own behaviour (cookies, redirects, proxies, decompression).
/// </summary>
internal sealed class SocketsTransportFactory : IMeshTransportFactory
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    public HttpMessageHandler Create(TransportSettings settings) => CreateHandler(settings);

    internal static SocketsHttpHandler CreateHandler(TransportSettings settings)
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

        return handler;
    }
}
