using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace Mesh.Server.Xds;

/// <summary>
/// <c>envoy.service.discovery.v3.AggregatedDiscoveryService</c>: state-of-the-world ADS. Delta xDS is
/// not served (UNIMPLEMENTED, the generated default); gRPC clients use state of the world.
/// </summary>
internal sealed class AdsService(XdsStateStore store, XdsClients clients, XdsMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<AdsService> logger)
    : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    public override async Task StreamAggregatedResources(IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
    {
        // Streams end when the server stops, so that shutdown does not wait for clients and they reconnect elsewhere.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var connection = new AdsConnection(clients.NextId(), store, clients, metrics, time, logger, context.Peer);
        try
        {
            await store.WhenReadyAsync(stopping.Token).ConfigureAwait(false);
            await connection.RunAsync(requestStream, responseStream, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Ends the call with OK: the client's xDS channel reconnects with backoff.
        }
    }
}
