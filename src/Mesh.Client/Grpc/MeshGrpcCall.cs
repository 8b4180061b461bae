using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Mesh.Resilience;
using Mesh.Runtime;

namespace Mesh.Grpc;

/// <summary>
/// One attempt of a gRPC call that <see cref="MeshPicker"/> sent to an endpoint: counts it as a request in flight on the
/// endpoint (least request) and in its cluster (circuit breaker) until the call ends, and tells outlier detection
/// how it ended, from its <c>grpc-status</c> as Envoy maps it to HTTP. Grpc.Net.Client completes a call tracker when
/// the response headers arrive, even for a stream; so the mesh's handler below the balancer (<see cref="Http.MeshHttpHandler"/>)
/// takes the job over when it is in the client's pipeline, and counts to the end of the response body. Without it
/// (a channel made by <c>GrpcChannel.ForAddress</c>) the tracker counts to the headers and only transport failures are recorded.
/// </summary>
internal sealed class MeshGrpcCall : ISubchannelCallTracker
{
    /// <summary>The request option the picker sets on the attempt's request.</summary>
    public static readonly HttpRequestOptionsKey<MeshGrpcCall> Key = new("Mesh.GrpcCall");

    /// <summary>The request option Grpc.Net.Client's balancer sets on every request it picked a subchannel for (<c>BalancerHttpHandler.SubchannelKey</c>).</summary>
    private static readonly HttpRequestOptionsKey<object> SubchannelKey = new("Subchannel");

    private const int NotCounted = 0;
    private const int CountedByTracker = 1;
    private const int CountedByHandler = 2;

    private int _counter;
    private int _handlerClaimed;
    private int _ended;
    private readonly Routing.HeaderMutation? _routeResponseHeaders;
    private readonly Routing.HeaderMutation? _targetResponseHeaders;
    private ClusterLimits? _limits;

    public MeshGrpcCall(ClusterState cluster, MeshEndpoint endpoint, Routing.HeaderMutation? routeResponseHeaders = null, Routing.HeaderMutation? targetResponseHeaders = null)
    {
        Cluster = cluster;
        Endpoint = endpoint;
        _routeResponseHeaders = routeResponseHeaders;
        _targetResponseHeaders = targetResponseHeaders;
    }

    public ClusterState Cluster { get; }

    public MeshEndpoint Endpoint { get; }

    /// <summary>
    /// Tells whether a request is a gRPC call Grpc.Net.Client's balancer already picked an endpoint for (so an HTTP
    /// handler must not route it again), and hands over the mesh's attempt to the first handler that asks.
    /// </summary>
    public static bool IsBalanced(HttpRequestMessage request, out MeshGrpcCall? call)
    {
        // gRPC calls are HTTP/2 (or 3) POSTs: other requests are told apart without touching Options, which allocates on first use.
        call = null;
        if (request.Version.Major < 2 || request.Method != HttpMethod.Post || !request.Options.TryGetValue(SubchannelKey, out _))
        {
            return false;
        }

        if (request.Options.TryGetValue(Key, out var attempt) && Interlocked.Exchange(ref attempt._handlerClaimed, 1) == 0)
        {
            if (Interlocked.CompareExchange(ref attempt._counter, CountedByHandler, NotCounted) == NotCounted)
            {
                attempt.Begin();
            }

            call = attempt;
        }

        return true;
    }

    /// <summary>Follows the attempt's response to its end: a failure, a trailers-only response, or the end of the body.</summary>
    public async Task<HttpResponseMessage> TrackAsync(Task<HttpResponseMessage> send)
    {
        HttpResponseMessage response;
        try
        {
            response = await send.ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            // A local-origin failure counts as a 5xx and a gateway error, as Envoy counts it by default.
            Record(is5xx: true, isGateway: true);
            End();
            throw;
        }
        catch
        {
            // Cancelled (by the caller or a deadline): nothing is learned of the endpoint.
            End();
            throw;
        }

        // The route's and the destination's response header operations, on the call's response headers (its initial metadata).
        _routeResponseHeaders?.Apply(response.Headers, null);
        _targetResponseHeaders?.Apply(response.Headers, null);

        var status = (int)response.StatusCode;
        if (status != 200)
        {
            Record(status >= 500, status is 502 or 503 or 504);
            End();
        }
        else if (GrpcStatusMapping.TryRead(response.Headers, out var code))
        {
            // Trailers-only: the call is over.
            RecordGrpc(code);
            End();
        }
        else
        {
            response.Content = new TrackedContent(response.Content, this, response);
        }

        return response;
    }

    /// <summary>Called by <see cref="TrackedContent"/> when the body was read to its end or disposed: records the trailers' status if they arrived.</summary>
    internal void Finish(HttpResponseMessage response)
    {
        if (Volatile.Read(ref _ended) != 0)
        {
            return;
        }

        if (GrpcStatusMapping.TryRead(response.TrailingHeaders, out var code))
        {
            RecordGrpc(code);
        }

        End();
    }

    void ISubchannelCallTracker.Start()
    {
        if (Interlocked.CompareExchange(ref _counter, CountedByTracker, NotCounted) == NotCounted)
        {
            Begin();
        }
    }

    void ISubchannelCallTracker.Complete(CompletionContext context)
    {
        if (Volatile.Read(ref _counter) != CountedByTracker)
        {
            return;
        }

        if (Volatile.Read(ref _handlerClaimed) == 0 && context.Error is HttpRequestException)
        {
            Record(is5xx: true, isGateway: true);
        }

        End();
    }

    private void Begin()
    {
        Endpoint.State.OnRequestStart();
        var limits = Cluster.Limits;
        _limits = limits is not null && limits.TryEnter() is null ? limits : null;
    }

    private void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0 || Volatile.Read(ref _counter) == NotCounted)
        {
            return;
        }

        Endpoint.State.OnRequestEnd();
        _limits?.Exit();
    }

    private void RecordGrpc(StatusCode code)
    {
        var http = GrpcStatusMapping.ToHttp(code);
        Record(http >= 500, http is 502 or 503 or 504);
    }

    private void Record(bool is5xx, bool isGateway) => Cluster.Outlier?.Record(Endpoint, is5xx, isGateway);
}
