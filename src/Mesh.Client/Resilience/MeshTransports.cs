using System.Collections.Concurrent;

namespace Mesh.Resilience;

/// <summary>
/// The connection pools of clusters whose DestinationRule sets connection settings (connectTimeout,
/// maxConnections, idleTimeout): one SocketsHttpHandler per distinct settings record, built with
/// explicit settings and reused while the record is equal. Other clusters use the HttpClient's own handler.
/// </summary>
internal sealed class MeshTransports : IDisposable
{
    private readonly ConcurrentDictionary<TransportSettings, HttpMessageInvoker> _invokers = new();

    public HttpMessageInvoker Get(TransportSettings settings) => _invokers.GetOrAdd(settings, static s => new HttpMessageInvoker(Create(s), disposeHandler: true));

    internal static SocketsHttpHandler Create(TransportSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            // As a sidecar's upstream connections: no cookies, redirects, proxies or decompression of its own.
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = settings.IdleTimeout ?? TimeSpan.FromHours(1),
            ConnectTimeout = settings.ConnectTimeout ?? TimeSpan.FromSeconds(10),
        };
        if (settings.MaxConnectionsPerServer is { } max)
        {
            handler.MaxConnectionsPerServer = max;
        }

        return handler;
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }
    }
}
