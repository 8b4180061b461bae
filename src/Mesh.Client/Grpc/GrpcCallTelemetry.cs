using System.Diagnostics;
using Grpc.Core;
using Mesh.Resilience;
using Mesh.Routing;
using Mesh.Telemetry;

namespace Mesh.Grpc;

/// <summary>
/// The client telemetry of one logical gRPC call (reporter=source; its retries are attempts of it): Istio's metrics and
/// the access log when the call ends, with the status the caller sees (from the trailers, at the end of the response
/// stream for streaming calls), and the span of the call, parent of its attempts. Made only when someone listens.
/// </summary>
internal sealed class GrpcCallTelemetry
{
    private readonly MeshClientTelemetry _telemetry;
    private readonly GrpcCallPlan _plan;
    private readonly ServiceRoutes _service;
    private readonly string _method;
    private readonly long _start;
    private readonly bool _measured;
    private Activity? _activity;
    private int _ended;

    private GrpcCallTelemetry(MeshClientTelemetry telemetry, GrpcCallPlan plan, ServiceRoutes service, string method, bool measured)
    {
        _telemetry = telemetry;
        _plan = plan;
        _service = service;
        _method = method;
        _measured = measured;
        _start = telemetry.Time.GetTimestamp();
    }

    /// <summary>Gets the attempts of the call, which the picker fills in with the cluster and endpoint.</summary>
    public GrpcAttempts Attempts { get; } = new();

    /// <summary>Returns the telemetry of a new call, or null when neither metrics, the access log nor a span is listened for.</summary>
    public static GrpcCallTelemetry? Start(MeshClientTelemetry? telemetry, GrpcCallPlan plan, ServiceRoutes? service, string method)
    {
        if (telemetry is null || service is null)
        {
            return null;
        }

        var measured = telemetry.Enabled;
        if (!measured && !MeshActivities.Source.HasListeners())
        {
            return null;
        }

        // rpc.method as OpenTelemetry's RPC conventions write it: pkg.Service/Method, without the path's slash.
        return new GrpcCallTelemetry(telemetry, plan, service, method.StartsWith('/') ? method[1..] : method, measured);
    }

    /// <summary>
    /// Starts the call's attempts with the call's span as <see cref="Activity.Current"/> (so Grpc.Net.Client's and HttpClient's
    /// spans of each attempt are its children), then gives the caller back its own current activity.
    /// </summary>
    public T Run<T>(Func<T> start)
    {
        var previous = Activity.Current;
        _activity = MeshActivities.Source.HasListeners() ? MeshActivities.StartRequest("POST", _telemetry.TagsFor(_service).DestinationService) : null;
        if (_activity is not null)
        {
            _activity.DisplayName = _method;
            _activity.SetTag(MeshActivities.RpcMethod, _method);
        }

        try
        {
            return start();
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    public AsyncUnaryCall<TResponse> Observe<TResponse>(AsyncUnaryCall<TResponse> call) =>
        new(ObserveAsync(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call));

    public AsyncClientStreamingCall<TRequest, TResponse> Observe<TRequest, TResponse>(AsyncClientStreamingCall<TRequest, TResponse> call) =>
        new(call.RequestStream, ObserveAsync(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call));

    public AsyncServerStreamingCall<TResponse> Observe<TResponse>(AsyncServerStreamingCall<TResponse> call) =>
        new(new Reader<TResponse>(call.ResponseStream, this, call.GetStatus), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call));

    public AsyncDuplexStreamingCall<TRequest, TResponse> Observe<TRequest, TResponse>(AsyncDuplexStreamingCall<TRequest, TResponse> call) =>
        new(call.RequestStream, new Reader<TResponse>(call.ResponseStream, this, call.GetStatus), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call));

    private async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            End(StatusCode.OK, null);
            return result;
        }
        catch (RpcException ex)
        {
            End(ex.StatusCode, ex);
            throw;
        }
        catch (OperationCanceledException)
        {
            End(StatusCode.Cancelled, null);
            throw;
        }
    }

    private void Dispose(IDisposable call)
    {
        // Disposed before its end: the caller cancelled the call (Envoy: DC).
        End(StatusCode.Cancelled, null, disposed: true);
        call.Dispose();
    }

    /// <summary>Records the call's end once: the first of its status, its failure, or its disposal.</summary>
    public void End(StatusCode status, RpcException? error, bool disposed = false)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        var attempts = Attempts;
        var cluster = (attempts.Target ?? attempts.Chosen)?.Cluster;
        var flags = _plan.DelayInjected ? ResponseFlags.DelayInjected : ResponseFlags.None;
        flags |= disposed ? ResponseFlags.DownstreamConnectionTermination : FlagsOf(status, error);
        if (status != StatusCode.OK && attempts.Started > 1 && attempts.Started - 1 >= _plan.MaxRetries &&
            (flags & (ResponseFlags.DownstreamConnectionTermination | ResponseFlags.UpstreamRequestTimeout)) == 0)
        {
            flags |= ResponseFlags.UpstreamRetryLimitExceeded;
        }

        var outbound = new OutboundRequest(
            _telemetry.TagsFor(cluster is null ? _service : cluster),
            IstioLabels.ProtocolGrpc,
            200,
            IstioLabels.GrpcCode((int)status),
            flags,
            ConnectionSecurity.ForClient(cluster),
            _start,
            0,
            0,
            "POST",
            new Uri("/" + _method, UriKind.Relative),
            System.Net.HttpVersion.Version20,
            attempts.Previous?.HostPort,
            cluster?.Name,
            attempts.Route?.Name);
        if (_measured)
        {
            _telemetry.Record(outbound);
        }

        // A gRPC call's retries are counted when it ends (the attempts know their cluster then); only calls observed for telemetry.
        if (cluster is not null && attempts.Started > 1)
        {
            _telemetry.Metrics.Retry(cluster.Name, attempts.Started - 1);
        }

        MeshClientTelemetry.EndActivity(_activity, outbound, attempts.Started);
    }

    /// <summary>Envoy's response flags for a call that ended with <paramref name="status"/>.</summary>
    private ResponseFlags FlagsOf(StatusCode status, RpcException? error)
    {
        switch (status)
        {
            case StatusCode.OK:
                return ResponseFlags.None;
            case StatusCode.Cancelled:
                return ResponseFlags.DownstreamConnectionTermination;
            case StatusCode.DeadlineExceeded:
                // The route's timeout is the call's deadline when it is sooner than the caller's: UT; else the caller's own deadline passed.
                var caller = _plan.Options.Deadline is { } d && d != DateTime.MaxValue ? (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d) : (DateTime?)null;
                return _plan.Deadline is { } deadline && (caller is null || deadline < caller) ? ResponseFlags.UpstreamRequestTimeout : ResponseFlags.DownstreamConnectionTermination;
        }

        if (error is null)
        {
            return ResponseFlags.None;
        }

        var detail = error.Status.Detail;
        if (detail == MeshGrpcFailures.FaultAbortDetail)
        {
            return ResponseFlags.FaultInjected;
        }

        if (detail.StartsWith(MeshGrpcFailures.DetailPrefix, StringComparison.Ordinal))
        {
            var reason = detail.AsSpan(MeshGrpcFailures.DetailPrefix.Length);
            return reason.StartsWith(Http.MeshHeaders.RouteNotFound, StringComparison.Ordinal) ? ResponseFlags.NoRouteFound
                : reason.StartsWith(Http.MeshHeaders.NoHealthyUpstream, StringComparison.Ordinal) ? ResponseFlags.NoHealthyUpstream
                : reason.StartsWith(Http.MeshHeaders.UpstreamOverflow, StringComparison.Ordinal) ? ResponseFlags.UpstreamOverflow
                : ResponseFlags.None;
        }

        if (error.Status.DebugException is HttpRequestException or HttpProtocolException or IOException)
        {
            return UpstreamException.Classify(error.Status.DebugException) == UpstreamFailure.ConnectFailure
                ? ResponseFlags.UpstreamConnectionFailure
                : ResponseFlags.UpstreamConnectionTermination;
        }

        return ResponseFlags.None;
    }

    /// <summary>A response stream that records the call's end: its last message read (the status from the trailers) or its failure.</summary>
    private sealed class Reader<T>(IAsyncStreamReader<T> inner, GrpcCallTelemetry owner, Func<Status> status) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            bool moved;
            try
            {
                moved = await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                owner.End(ex.StatusCode, ex);
                throw;
            }
            catch (OperationCanceledException)
            {
                owner.End(StatusCode.Cancelled, null);
                throw;
            }

            if (!moved)
            {
                owner.End(status().StatusCode, null);
            }

            return moved;
        }
    }
}
