using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Mesh.Http;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grpc;

/// <summary>
/// A gRPC channel through the mesh without IHttpClientFactory: what <c>AddGrpcClient&lt;T&gt;().AddMesh()</c> builds,
/// for code that makes its own channels. Each call is routed by the VirtualService and DestinationRule of the
/// target (gRFC A28 route matching on the method and metadata, weighted clusters, the cluster's load balancer,
/// outlier detection), with the route's timeout as the call's deadline, its retries and its faults. Make clients
/// from <see cref="CallInvoker"/>; dispose the channel when done.
/// </summary>
public sealed class MeshGrpcChannel : IDisposable
{
    private MeshGrpcChannel(GrpcChannel channel, CallInvoker callInvoker)
    {
        Channel = channel;
        CallInvoker = callInvoker;
    }

    /// <summary>Gets the underlying channel (its calls are routed and load balanced, but without the route's timeout, retries and fault delay).</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Gets the call invoker that runs every call through the mesh: use it to make clients (<c>new Ratings.RatingsClient(channel.CallInvoker)</c>).</summary>
    public CallInvoker CallInvoker { get; }

    /// <summary>Creates a mesh channel to <paramref name="address"/>.</summary>
    /// <param name="address">The service as an HttpClient would name it (<c>http://ratings:9080</c>, <c>https://...</c>), or <c>mesh:///ratings:9080</c>, or in xDS mode <c>xds:///ratings:9080</c>.</param>
    /// <param name="services">The app's services, after <c>AddMesh()</c>.</param>
    /// <param name="options">Channel options to start from, or null. The mesh sets <see cref="GrpcChannelOptions.ServiceProvider"/>,
    /// <see cref="GrpcChannelOptions.HttpHandler"/> (its handler over a <see cref="SocketsHttpHandler"/>), and, when unset,
    /// <see cref="GrpcChannelOptions.Credentials"/> (insecure for http and mesh, TLS for https).</param>
    /// <returns>The channel; dispose it when done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> or <paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not an http, https or mesh address with a host.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="services"/> has no mesh (<c>AddMesh()</c> was not called), or <paramref name="options"/> sets its own <c>HttpHandler</c> or <c>HttpClient</c>.</exception>
    public static MeshGrpcChannel ForAddress(string address, IServiceProvider services, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(services);
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or MeshGrpcDefaults.Scheme or MeshGrpcDefaults.XdsScheme))
        {
            throw new ArgumentException($"Mesh: '{address}' is not a gRPC address the mesh can route; write http://ratings:9080 or mesh:///ratings:9080.", nameof(address));
        }

        var secure = uri.Scheme == Uri.UriSchemeHttps;
        GrpcTarget target;
        try
        {
            target = GrpcTarget.Parse(uri, secure);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException(ex.Message, nameof(address), ex);
        }

        options ??= new GrpcChannelOptions();
        if (options.HttpHandler is not null || options.HttpClient is not null)
        {
            throw new InvalidOperationException("Mesh: a mesh channel sends through the mesh's own handler; leave GrpcChannelOptions.HttpHandler and HttpClient unset.");
        }

        var provider = services.GetService<MeshSnapshotProvider>()
            ?? throw new InvalidOperationException("Mesh: the services have no mesh; call services.AddMesh() first.");

        // As the client factory's channel: the mesh handler (which follows each call to its end, below the balancer)
        // over a SocketsHttpHandler that opens more HTTP/2 connections past 100 concurrent streams.
        var handler = services.GetRequiredService<MeshHttpHandler>();
        handler.InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        options.HttpHandler = handler;
        options.ServiceProvider = services;
        options.Credentials ??= secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        var channel = GrpcChannel.ForAddress($"{MeshGrpcDefaults.Scheme}:///{target.Authority}", options);
        var interceptor = new MeshGrpcInterceptor(provider, target, services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetService<Telemetry.MeshClientTelemetry>());
        return new MeshGrpcChannel(channel, channel.Intercept(interceptor));
    }

    /// <summary>Disposes the channel and its connections.</summary>
    public void Dispose() => Channel.Dispose();
}
