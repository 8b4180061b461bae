using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace Mesh.Server.Xds;

/// <summary>
/// <c>envoy.service.discovery.v3.AggregatedDiscoveryService</c>: state-of-the-world ADS. Delta xDS is
/// not served (UNIMPLEMENTED, the generated default); gRPC clients use state of the world.
/// </summary>
internal sealed class AdsService(XdsStateStore store, XdsClients clients, TimeProvider time, ILogger<AdsService> logger)
    : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    public override Task StreamAggregatedResources(IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
    {
        var connection = new AdsConnection(clients.NextId(), store, clients, time, logger, context.Peer);
        return connection.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
