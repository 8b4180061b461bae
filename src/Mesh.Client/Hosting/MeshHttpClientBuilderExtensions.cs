using Grpc.Net.ClientFactory;
using Mesh.Grpc;
using Mesh.Hosting;
using Mesh.Http;
using Mesh.Snapshot;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts the mesh into HttpClients and gRPC clients made by IHttpClientFactory.</summary>
public static class MeshHttpClientBuilderExtensions
{
    /// <summary>
    /// Routes this client's requests through the mesh. On an HttpClient, hosts that are mesh services are routed and
    /// load balanced, and other hosts pass through; this works per client and in <c>ConfigureHttpClientDefaults</c>,
    /// where it leaves gRPC calls to their channel. On a gRPC client of <c>AddGrpcClient</c>, the channel becomes a
    /// mesh channel: its address <c>http://ratings:9080</c> is read as <c>mesh:///ratings:9080</c> (insecure credentials
    /// for http, TLS for https, unless the client sets its own), and each call is routed by the VirtualService and
    /// DestinationRule as proxyless gRPC does (gRFC A28 route matching on the method and metadata, weighted clusters,
    /// the cluster's load balancer, outlier detection), with the route's timeout as the call's deadline, its retries
    /// (unary and server-streaming calls, before a response message), and its faults. See docs/grpc.md.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <remarks>
    /// Needs <see cref="MeshServiceCollectionExtensions.AddMesh(IServiceCollection)"/> on the same
    /// services; without it, creating the client throws <see cref="InvalidOperationException"/>.
    /// A gRPC call to a host that is not a mesh service fails with UNAVAILABLE.
    /// </remarks>
    public static IHttpClientBuilder AddMesh(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // On a gRPC client, the HTTP handler routes nothing: it follows each call to its end, below the balancer.
        builder.AddHttpMessageHandler(static sp => sp.GetRequiredService<MeshHttpHandler>());
        if (IsGrpcClient(builder))
        {
            var name = builder.Name;
            builder.Services.AddSingleton<IPostConfigureOptions<GrpcClientFactoryOptions>>(new MeshGrpcClientPostConfigure(name));
            builder.AddInterceptor(InterceptorScope.Channel, sp =>
            {
                var address = sp.GetRequiredService<IOptionsMonitor<GrpcClientFactoryOptions>>().Get(name).Address
                    ?? throw new InvalidOperationException($"Mesh: the gRPC client '{name}' has no address; set one, such as http://ratings:9080.");
                return new MeshGrpcInterceptor(sp.GetRequiredService<MeshSnapshotProvider>(), GrpcTarget.Parse(address), sp.GetRequiredService<TimeProvider>(), sp.GetService<Mesh.Telemetry.MeshClientTelemetry>());
            });
        }

        return builder;
    }

    /// <summary>Whether the builder is one of <c>AddGrpcClient</c>'s: named options of the same name configured, as Grpc.Net.ClientFactory itself tells.</summary>
    private static bool IsGrpcClient(IHttpClientBuilder builder)
    {
        if (builder.Name is null)
        {
            return false;
        }

        foreach (var service in builder.Services)
        {
            if (service.ServiceType == typeof(IConfigureOptions<GrpcClientFactoryOptions>) &&
                service.ImplementationInstance is ConfigureNamedOptions<GrpcClientFactoryOptions> named &&
                string.Equals(named.Name, builder.Name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
