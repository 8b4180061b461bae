using System.Net;
using System.Runtime.ExceptionServices;
using Mesh.LoadBalancing;
using Mesh.Resilience;
using Mesh.Routing;
using Mesh.Runtime;
using Mesh.Snapshot;
using Mesh.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace Mesh.Http;

/// <summary>
/// The outbound data plane of an HttpClient: resolves the request's host as a mesh service, routes
/// it, injects the route's faults, and sends it to a picked endpoint under the route's timeout and
/// retries and the cluster's limits and outlier detection, with the logical authority kept in Host
/// as behind a sidecar. Hosts the mesh does not know pass through untouched.
/// </summary>
internal sealed partial class MeshHttpHandler(MeshSnapshotProvider provider, MeshMetrics metrics, TimeProvider time, ILogger<MeshHttpHandler> logger) : DelegatingHandler
{
    private static readonly KeyValuePair<string, object?> Routed = new("outcome", "routed");
    private static readonly KeyValuePair<string, object?> NoRoute = new("outcome", MeshHeaders.RouteNotFound);
    private static readonly KeyValuePair<string, object?> NoUpstream = new("outcome", MeshHeaders.NoHealthyUpstream);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A gRPC call was routed by Grpc.Net.Client's balancer (Grpc/MeshPicker for a mesh channel): never route it again;
        // follow a mesh channel's call to its end, for least request and outlier detection.
        if (Grpc.MeshGrpcCall.IsBalanced(request, out var grpc))
        {
            return grpc is null ? base.SendAsync(request, cancellationToken) : grpc.TrackAsync(base.SendAsync(request, cancellationToken));
        }

        var decision = MeshRouter.Route(provider.Routes, request);
        if (decision.Outcome == RouteOutcome.ColdCluster)
        {
            return WarmThenSendAsync(request, decision, cancellationToken);
        }

        return Send(request, decision, cancellationToken);
    }

    /// <summary>The first call to a service loads its instances, then routes again against the new snapshot.</summary>
    private async Task<HttpResponseMessage> WarmThenSendAsync(HttpRequestMessage request, RouteDecision decision, CancellationToken cancellationToken)
    {
        await provider.WarmAsync(decision.Target!.Cluster.Service, cancellationToken).ConfigureAwait(false);
        decision = MeshRouter.Route(provider.Routes, request);
        if (decision.Outcome == RouteOutcome.ColdCluster)
        {
            // The registry could not load them (it is unreachable): there is nothing to route to.
            decision = decision with { Outcome = RouteOutcome.NoHealthyUpstream };
        }

        return await Send(request, decision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>HttpClient.Send</c>: hosts the mesh does not know pass through; a mesh host is refused, since
    /// routing, retries and timeouts are asynchronous and blocking a thread on them would starve the pool.
    /// </summary>
    /// <exception cref="NotSupportedException">The request's host is a mesh service.</exception>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is not null && uri.IsAbsoluteUri && provider.Routes.TryGetService(uri.IdnHost, out _))
        {
            throw new NotSupportedException($"Mesh: the synchronous HttpClient.Send is not supported for mesh host '{uri.IdnHost}'; call SendAsync (or GetAsync, PostAsync...) instead.");
        }

        return base.Send(request, cancellationToken);
    }

    private Task<HttpResponseMessage> Send(HttpRequestMessage request, RouteDecision decision, CancellationToken cancellationToken)
    {
        switch (decision.Outcome)
        {
            case RouteOutcome.Routed:
                metrics.Requests.Add(1, Routed);
                return SendRoutedAsync(request, decision, cancellationToken);
            case RouteOutcome.NoRoute:
                metrics.Requests.Add(1, NoRoute);
                Log.NoRoute(logger, request.Method, request.RequestUri!, decision.Service!.VirtualService ?? "");
                return Task.FromResult(Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.RouteNotFound, "no route matched"));
            case RouteOutcome.NoHealthyUpstream:
                metrics.Requests.Add(1, NoUpstream);
                var cluster = decision.Target?.Cluster.Name ?? "(all weights are 0)";
                Log.NoHealthyUpstream(logger, request.Method, request.RequestUri!, cluster);
                return Task.FromResult(Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream"));
            default:
                return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> SendRoutedAsync(HttpRequestMessage request, RouteDecision decision, CancellationToken cancellationToken)
    {
        var route = decision.Route!;
        var target = decision.Target!;
        var policy = route.Policy;

        // Faults come first, as Envoy's fault filter runs before the router: a delay, then maybe an abort.
        if (policy?.Fault is { } fault)
        {
            var random = provider.Routes.Random;
            if (FaultPolicy.Roll(fault.DelayPercent, random) && fault.Delay > TimeSpan.Zero)
            {
                await Task.Delay(fault.Delay, time, cancellationToken).ConfigureAwait(false);
            }

            if (fault.AbortStatus != 0 && FaultPolicy.Roll(fault.AbortPercent, random))
            {
                return Generated(request, (HttpStatusCode)fault.AbortStatus, MeshHeaders.FaultAbort, "fault filter abort");
            }
        }

        var original = request.RequestUri!;
        var originalHost = request.Headers.Host;
        var originalClose = request.Headers.ConnectionClose;

        // Keep the logical authority, as a sidecar would: the upstream sees Host: reviews:9080.
        request.Headers.Host = route.Rewrite?.Authority ?? originalHost ?? original.Authority;
        route.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);
        target.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);

        var state = new AttemptState(request, decision, AttemptState.IsReplayable(request), original, cancellationToken);
        HttpResponseMessage response;
        try
        {
            if (policy?.Pipeline is not { } pipeline)
            {
                var outcome = await AttemptAsync(state, cancellationToken).ConfigureAwait(false);
                response = outcome.Result ?? Failed(request, outcome.Exception!, cancellationToken);
            }
            else
            {
                var context = ResilienceContextPool.Shared.Get(cancellationToken);
                context.Properties.Set(AttemptState.Key, state);
                try
                {
                    var outcome = await pipeline.ExecuteOutcomeAsync(
                        static (context, s) => s.Handler.AttemptAsync(s.State, context.CancellationToken),
                        context,
                        (Handler: this, State: state)).ConfigureAwait(false);
                    response = outcome.Result ?? Failed(request, outcome.Exception!, cancellationToken);
                }
                finally
                {
                    ResilienceContextPool.Shared.Return(context);
                }
            }
        }
        finally
        {
            request.RequestUri = original;
            request.Headers.Host = originalHost;
            request.Headers.ConnectionClose = originalClose;
            if (state.RetriesHeld > 0 && target.Cluster.Limits is { } limits)
            {
                for (var i = 0; i < state.RetriesHeld; i++)
                {
                    limits.ExitRetry();
                }
            }
        }

        route.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);
        target.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);
        if (request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie))
        {
            response.Headers.TryAddWithoutValidation("Set-Cookie", setCookie);
        }

        return response;
    }

    /// <summary>One attempt: an endpoint (another one on a retry), the cluster's limits, the send, and what outlier detection learns from it.</summary>
    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(AttemptState state, CancellationToken cancellationToken)
    {
        var request = state.Request;
        var decision = state.Decision;
        var cluster = decision.Target!.Cluster;
        var endpoint = state.Attempts == 0 ? decision.Endpoint : cluster.PickOther(request, state.LastEndpoint);
        state.Attempts++;
        if (endpoint is null)
        {
            return Outcome.FromResult(Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream"));
        }

        state.LastEndpoint = endpoint;
        var limits = cluster.Limits;
        if (limits?.TryEnter() is { } limit)
        {
            Log.Overflow(logger, request.Method, request.RequestUri!, cluster.Name, limit);
            return Outcome.FromResult(Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamOverflow, $"upstream overflow: {limit}"));
        }

        // The cluster's connection pool now; one retired by a config change in the meantime is read again.
        var transport = cluster.Transport;
        while (!transport.TryEnter())
        {
            var current = cluster.Transport;
            if (ReferenceEquals(current, transport))
            {
                // The cluster left the config after this request was routed (Envoy: NC, cluster not found).
                limits?.Exit();
                return Outcome.FromResult(Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream"));
            }

            transport = current;
        }

        var outlier = cluster.Outlier;
        request.RequestUri = BuildUpstreamUri(state, endpoint);
        if (cluster.MaxRequestsPerConnection is { } perConnection)
        {
            // Envoy closes a connection after N requests; here every Nth request to the endpoint asks for it.
            request.Headers.ConnectionClose = perConnection == 1 || endpoint.State.NextRequestNumber() % perConnection == 0;
        }

        endpoint.State.OnRequestStart();
        try
        {
            var response = await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            outlier?.Record(endpoint, status >= 500, status is 502 or 503 or 504);
            return Outcome.FromResult(response);
        }
        catch (HttpRequestException ex)
        {
            // A local-origin failure counts as a 5xx and a gateway error, as Envoy counts it by default.
            outlier?.Record(endpoint, is5xx: true, isGateway: true);
            return Outcome.FromException<HttpResponseMessage>(new UpstreamException(UpstreamException.Classify(ex), ex));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && ex.InnerException is TimeoutException)
        {
            // SocketsHttpHandler's ConnectTimeout (tcp.connectTimeout) ends in a cancellation nobody asked for;
            // Envoy counts a connect timeout as a connection failure.
            outlier?.Record(endpoint, is5xx: true, isGateway: true);
            return Outcome.FromException<HttpResponseMessage>(new UpstreamException(UpstreamFailure.ConnectFailure, ex));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A timeout (the route's or the attempt's) counts against the endpoint, as in Envoy; the caller giving up does not.
            if (!state.CallerToken.IsCancellationRequested)
            {
                outlier?.Record(endpoint, is5xx: true, isGateway: true);
            }

            throw;
        }
        finally
        {
            endpoint.State.OnRequestEnd();
            transport.Exit();
            limits?.Exit();
        }
    }

    /// <summary>Turns an attempt's failure into the response a sidecar would give: 504 on a timeout, 503 on a connection failure or reset.</summary>
    private HttpResponseMessage Failed(HttpRequestMessage request, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case TimeoutRejectedException:
                Log.Timeout(logger, request.Method, request.RequestUri!);
                return Generated(request, HttpStatusCode.GatewayTimeout, MeshHeaders.UpstreamRequestTimeout, "upstream request timeout");
            case UpstreamException { Failure: UpstreamFailure.ConnectFailure } upstream:
                Log.UpstreamFailed(logger, request.Method, request.RequestUri!, upstream.InnerException?.Message ?? upstream.Message);
                return Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamConnectFailure, "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
            case UpstreamException upstream:
                Log.UpstreamFailed(logger, request.Method, request.RequestUri!, upstream.InnerException?.Message ?? upstream.Message);
                return Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamReset, "upstream connect error or disconnect/reset before headers. reset reason: connection termination");
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
            default:
                ExceptionDispatchInfo.Throw(exception);
                return null!;
        }
    }

    private static Uri BuildUpstreamUri(AttemptState state, MeshEndpoint endpoint)
    {
        var original = state.OriginalUri;
        var route = state.Decision.Route!;
        var pathAndQuery = original.PathAndQuery;
        if (route.Rewrite is { } rewrite && (rewrite.Uri is not null || rewrite.Regex is not null))
        {
            var path = original.AbsolutePath;
            var query = original.Query;
            if (rewrite.Regex is not null)
            {
                path = rewrite.Regex.Replace(path, rewrite.RegexReplacement ?? "");
            }
            else if (state.Decision.MatchIndex >= 0 && route.Matches[state.Decision.MatchIndex].UriPrefix is { } prefix)
            {
                // Istio: with a prefix match, rewrite.uri replaces the matched prefix only.
                path = rewrite.Uri + path[prefix.Length..];
            }
            else
            {
                path = rewrite.Uri!;
            }

            pathAndQuery = path + query;
        }

        return new Uri($"{original.Scheme}://{endpoint.HostPort}{pathAndQuery}");
    }

    private static HttpResponseMessage Generated(HttpRequestMessage request, HttpStatusCode status, string reason, string body)
    {
        var response = new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(body),
        };
        response.Headers.TryAddWithoutValidation(MeshHeaders.Reason, reason);
        return response;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Mesh: no route matched {Method} {Uri} in {VirtualService}; answered 503 route_not_found")]
        public static partial void NoRoute(ILogger logger, HttpMethod method, Uri uri, string virtualService);

        [LoggerMessage(2, LogLevel.Warning, "Mesh: no healthy upstream for {Method} {Uri} in {Cluster}; answered 503 no_healthy_upstream")]
        public static partial void NoHealthyUpstream(ILogger logger, HttpMethod method, Uri uri, string cluster);

        [LoggerMessage(3, LogLevel.Warning, "Mesh: {Method} {Uri} to {Cluster} over its {Limit} limit; answered 503 upstream_overflow")]
        public static partial void Overflow(ILogger logger, HttpMethod method, Uri uri, string cluster, string limit);

        [LoggerMessage(4, LogLevel.Warning, "Mesh: {Method} {Uri} timed out; answered 504 upstream_request_timeout")]
        public static partial void Timeout(ILogger logger, HttpMethod method, Uri uri);

        [LoggerMessage(5, LogLevel.Warning, "Mesh: {Method} {Uri} failed upstream ({Reason}); answered 503")]
        public static partial void UpstreamFailed(ILogger logger, HttpMethod method, Uri uri, string reason);
    }
}
