using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>
/// One ADS client as grpc-js-xds 1.14 behaves: LDS for its targets (node on the first request only), then RDS for the
/// route configurations the listeners name, CDS for the clusters the routes name, EDS for the clusters' service names;
/// every response ACKed with its version and nonce; a type's names change with a request carrying the last nonce of
/// that type. Watches for the change the harness announced and stamps the time it ACKed it.
/// </summary>
internal sealed class XdsScaleStream(int index, IReadOnlyList<string> targets, Node node, XdsScaleExpectation expectation)
{
    private static readonly string[] Order = [Types.Listener, Types.Route, Types.Cluster, Types.Endpoint];

    private readonly Dictionary<string, TypeState> _types = Order.ToDictionary(t => t, _ => new TypeState(), StringComparer.Ordinal);
    private bool _synced;

    public int Index { get; } = index;

    /// <summary>Completes when every type has had a response holding every name subscribed, and it was ACKed.</summary>
    public TaskCompletionSource Synced { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Responses { get; private set; }

    public long ResponseBytes { get; private set; }

    public async Task RunAsync(AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, CancellationToken cancellationToken)
    {
        using var call = client.StreamAggregatedResources(cancellationToken: cancellationToken);
        var requests = call.RequestStream;
        await SubscribeAsync(requests, Types.Listener, targets, first: true).ConfigureAwait(false);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Responses++;
            ResponseBytes += response.CalculateSize();
            var state = _types[response.TypeUrl];
            state.Nonce = response.Nonce;
            state.Version = response.VersionInfo;
            state.Received = response.Resources.Count;
            await requests.WriteAsync(Request(response.TypeUrl, state.Names, response.VersionInfo, response.Nonce)).ConfigureAwait(false);
            expectation.Check(Index, response);

            // The names of the next type follow from what this one holds (grpc-js-xds's watchers).
            var (next, names) = response.TypeUrl switch
            {
                Types.Listener => (Types.Route, response.Resources.Select(r => r.Unpack<Listener>().ApiListener.ApiListener_.Unpack<HttpConnectionManager>().Rds.RouteConfigName)),
                Types.Route => (Types.Cluster, response.Resources.SelectMany(r => r.Unpack<RouteConfiguration>().VirtualHosts.SelectMany(h => h.Routes)).SelectMany(ClustersOf)),
                Types.Cluster => (Types.Endpoint, response.Resources.Select(r => r.Unpack<Cluster>().EdsClusterConfig.ServiceName)),
                _ => ((string?)null, Enumerable.Empty<string>()),
            };
            if (next is not null)
            {
                await SubscribeAsync(requests, next, names, first: false).ConfigureAwait(false);
            }

            if (!_synced && _types.Values.All(t => t.Names.Count > 0 && t.Received == t.Names.Count))
            {
                _synced = true;
                Synced.TrySetResult();
            }
        }
    }

    private async Task SubscribeAsync(IClientStreamWriter<DiscoveryRequest> requests, string typeUrl, IEnumerable<string> names, bool first)
    {
        var state = _types[typeUrl];
        var set = new SortedSet<string>(names, StringComparer.Ordinal);
        if (set.SetEquals(state.Names))
        {
            return;
        }

        state.Names = set;
        var request = Request(typeUrl, set, state.Version, state.Nonce);
        if (first)
        {
            request.Node = node;
        }

        await requests.WriteAsync(request).ConfigureAwait(false);
    }

    private static IEnumerable<string> ClustersOf(Route route) => route.Route_.ClusterSpecifierCase switch
    {
        RouteAction.ClusterSpecifierOneofCase.Cluster => [route.Route_.Cluster],
        RouteAction.ClusterSpecifierOneofCase.WeightedClusters => route.Route_.WeightedClusters.Clusters.Select(c => c.Name),
        _ => [],
    };

    private static DiscoveryRequest Request(string typeUrl, IEnumerable<string> names, string version, string nonce)
    {
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce };
        request.ResourceNames.Add(names);
        return request;
    }

    public static Node NodeFor(int index, int replicasPerApp)
    {
        var labels = new Struct();
        labels.Fields["app"] = Value.ForString($"client-{index / replicasPerApp}");
        labels.Fields["version"] = Value.ForString("v1");
        var metadata = new Struct();
        metadata.Fields["NAMESPACE"] = Value.ForString("default");
        metadata.Fields["GENERATOR"] = Value.ForString("grpc");
        metadata.Fields["LABELS"] = Value.ForStruct(labels);
        return new Node
        {
            Id = $"sidecar~10.1.{index / 256}.{index % 256}~client-{index}.default~default.svc.cluster.local",
            Locality = new Locality(),
            Metadata = metadata,
            UserAgentName = "Mesh.Benchmarks xds-scale",
        };
    }

    internal static class Types
    {
        public const string Listener = "type.googleapis.com/envoy.config.listener.v3.Listener";
        public const string Route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
        public const string Cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
        public const string Endpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    }

    private sealed class TypeState
    {
        public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);

        public string Version { get; set; } = "";

        public string Nonce { get; set; } = "";

        public int Received { get; set; }
    }
}
