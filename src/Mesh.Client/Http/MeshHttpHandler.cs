using System.Net;
using System.Runtime.CompilerServices;
using Mesh.LoadBalancing;
using Mesh.Resilience;
using Mesh.Routing;
using Mesh.Runtime;
using Mesh.Snapshot;
using Mesh.Telemetry;
using Microsoft.Extensions.Logging;

namespace Mesh.Http;

/// <summary>
/// The outbound data plane of an HttpClient: resolves the request's host as a mesh service, routes
/// it, injects the route's faults, and sends it to a picked endpoint under the route's timeout and
/// retries and the cluster's limits and outlier detection, with the logical authority kept in Host
/// as behind a sidecar. Hosts the mesh does not know pass through untouched.
/// </summary>
internal sealed partial class MeshHttpHandler(MeshSnapshotProvider provider, MeshClientTelemetry telemetry, TimeProvider time, ILogger<MeshHttpHandler> logger) : DelegatingHandler
{
    private readonly MeshMetrics _metrics = telemetry.Metrics;
    private const string HostHeader = "Host";
    private static readonly KeyValuePair<string, object?> Routed = new("outcome", "routed");
    private static readonly KeyValuePair<string, object?> NoRoute = new("outcome", MeshHeaders.RouteNotFound);
    private static readonly KeyValuePair<string, object?> NoUpstream = new("outcome", MeshHeaders.NoHealthyUpstream);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A gRPC call was routed by Grpc.Net.Client's balancer (Grpc/MeshPicker for a mesh channel): never route it again;
        // follow a mesh channel's call to its end, for least request and outlier detection.
        if (Grpc.MeshGrpcCall.IsBalanced(request, out var grpc))
        {
            // A cluster whose connections are TLS (DestinationRule tls, auto mTLS) sends through the mesh's pool for it.
            if (grpc?.Cluster.Transport is { Settings.Tls: not null })
            {
                return grpc.TrackAsync(SendThroughClusterAsync(request, grpc.Cluster, cancellationToken));
            }

            return grpc is null ? base.SendAsync(request, cancellationToken) : grpc.TrackAsync(base.SendAsync(request, cancellationToken));
        }

        var decision = MeshRouter.Route(provider.Routes, request);
        if (decision.Outcome == RouteOutcome.ColdCluster)
        {
            return WarmThenSendAsync(request, decision, cancellationToken);
        }

        if (decision.Outcome == RouteOutcome.NotMeshHost && provider.DiscoversOnCall && request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            return DiscoverThenSendAsync(request, uri, cancellationToken);
        }

        return Send(request, decision, cancellationToken);
    }

    /// <summary>A gRPC attempt the balancer picked, sent through the cluster's connection pool (read again if a config change retired it).</summary>
    private static async Task<HttpResponseMessage> SendThroughClusterAsync(HttpRequestMessage request, ClusterState cluster, CancellationToken cancellationToken)
    {
        var transport = cluster.Transport;
        while (!transport.TryEnter())
        {
            var current = cluster.Transport;
            if (ReferenceEquals(current, transport))
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"Mesh: cluster {cluster.Name} left the config");
            }

            transport = current;
        }

        try
        {
            return await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            transport.Exit();
        }
    }

    /// <summary>xDS mode: the first call to a host subscribes to its listener and waits for it (or for its absence), then routes again.</summary>
    private async Task<HttpResponseMessage> DiscoverThenSendAsync(HttpRequestMessage request, Uri uri, CancellationToken cancellationToken)
    {
        var authority = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        await provider.DiscoverAsync(authority, cancellationToken).ConfigureAwait(false);
        var decision = MeshRouter.Route(provider.Routes, request);
        if (decision.Outcome == RouteOutcome.ColdCluster)
        {
            await provider.WarmAsync(decision.Target!.Cluster.Service, cancellationToken).ConfigureAwait(false);
            decision = MeshRouter.Route(provider.Routes, request);
            if (decision.Outcome == RouteOutcome.ColdCluster)
            {
                decision = decision with { Outcome = RouteOutcome.NoHealthyUpstream };
            }
        }

        return await Send(request, decision, cancellationToken).ConfigureAwait(false);
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
                _metrics.Requests.Add(1, Routed);
                return SendRoutedAsync(request, decision, cancellationToken);
            case RouteOutcome.NoRoute:
                _metrics.Requests.Add(1, NoRoute);
                Log.NoRoute(logger, request.Method, request.RequestUri!, decision.Service!.VirtualService ?? "");
                return Task.FromResult(Answered(request, decision, Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.RouteNotFound, "no route matched"), ResponseFlags.NoRouteFound));
            case RouteOutcome.NoHealthyUpstream:
                _metrics.Requests.Add(1, NoUpstream);
                var cluster = decision.Target?.Cluster.Name ?? "(all weights are 0)";
                Log.NoHealthyUpstream(logger, request.Method, request.RequestUri!, cluster);
                return Task.FromResult(Answered(request, decision, Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream"), ResponseFlags.NoHealthyUpstream));
            default:
                return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>
    /// A routed request: faults, then the attempts under the route's timeout and retries. One async
    /// method for the whole loop, the attempt included, so a request pays for one state machine.
    /// </summary>
    private async Task<HttpResponseMessage> SendRoutedAsync(HttpRequestMessage request, RouteDecision decision, CancellationToken cancellationToken)
    {
        var route = decision.Route!;
        var target = decision.Target!;
        var cluster = target.Cluster;
        var policy = route.Policy;

        // Telemetry of the logical request (after retries): measured only when someone listens. The span is the parent
        // of HttpClient's span of each attempt (Activity.Current flows into the transport's SocketsHttpHandler).
        // One reference when nobody listens; the state is made only for a request someone observes.
        var observed = telemetry.Enabled || MeshActivities.Source.HasListeners() ? Observe(request, cluster) : null;

        try
        {
            // Faults come first, as Envoy's fault filter runs before the router: a delay, then maybe an abort.
            if (policy?.Fault is { } fault)
            {
                var random = provider.Routes.Random;
                if (FaultPolicy.Roll(fault.DelayPercent, random) && fault.Delay > TimeSpan.Zero)
                {
                    if (observed is not null)
                    {
                        observed.Flags |= ResponseFlags.DelayInjected;
                    }

                    await Task.Delay(fault.Delay, time, cancellationToken).ConfigureAwait(false);
                }

                if (fault.AbortStatus != 0 && FaultPolicy.Roll(fault.AbortPercent, random))
                {
                    var aborted = Generated(request, (HttpStatusCode)fault.AbortStatus, MeshHeaders.FaultAbort, "fault filter abort");
                    if (observed is not null)
                    {
                        observed.Flags |= ResponseFlags.FaultInjected;
                        Complete(request, cluster, route, null, aborted, observed);
                    }

                    return aborted;
                }
            }

            var original = request.RequestUri!;
            var originalHost = request.Headers.Host;
            var perConnection = cluster.MaxRequestsPerConnection;
            var originalClose = perConnection is null ? null : request.Headers.ConnectionClose;

            // Keep the logical authority, as a sidecar would: the upstream sees Host: reviews:9080. Added without
            // validation when the caller set none: the value comes from a parsed Uri (or a validated rewrite).
            if (route.Rewrite?.Authority is { } authority)
            {
                request.Headers.Host = authority;
            }
            else if (originalHost is null)
            {
                request.Headers.TryAddWithoutValidation(HostHeader, original.Authority);
            }
            route.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);
            target.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);

            var replayable = policy is { Retries: > 0 } && RoutePolicy.IsReplayable(request);

            // HttpClient's span of an attempt writes traceparent into the request, and the next attempt's leaves a header already
            // there alone: the mesh takes the previous attempt's out before a retry, unless the caller wrote its own.
            var ownTraceContext = replayable && MeshClientTelemetry.HasTraceContext(request);
            var retriesHeld = 0;
            ClusterLimits? retryLimits = null;
            MeshEndpoint? endpoint = null;
            CancellationTokenSource? routeTimeout = null;
            CancellationTokenRegistration callerLink = default;
            HttpResponseMessage response;
            try
            {
                // The route timeout bounds every attempt and backoff; the caller's token still cancels it all.
                var token = cancellationToken;
                if (policy?.Timeout is { } timeout)
                {
                    routeTimeout = new CancellationTokenSource(timeout, time);
                    callerLink = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), routeTimeout);
                    token = routeTimeout.Token;
                }

                for (var attempt = 0; ; attempt++)
                {
                    // 1. An endpoint: the routed one first, another one on a retry (Envoy's previous-hosts predicate).
                    endpoint = attempt == 0 ? decision.Endpoint : cluster.PickOther(request, endpoint);
                    if (observed is not null)
                    {
                        observed.Attempts = attempt + 1;
                        observed.AttemptFlag = ResponseFlags.None;
                    }
                    HttpResponseMessage? result = null;
                    var failure = UpstreamFailure.None;
                    Exception? error = null;
                    var limits = cluster.Limits;
                    if (endpoint is null)
                    {
                        observed?.AttemptFlag = ResponseFlags.NoHealthyUpstream;
                        result = Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream");
                    }
                    else if (limits?.TryEnter() is { } limit)
                    {
                        Log.Overflow(logger, request.Method, original, cluster.Name, limit);
                        _metrics.Overflow(cluster.Name);
                        observed?.AttemptFlag = ResponseFlags.UpstreamOverflow;
                        result = Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamOverflow, $"upstream overflow: {limit}");
                    }
                    else
                    {
                        // 2. The cluster's connection pool now; one retired by a config change in the meantime is read again.
                        var transport = cluster.Transport;
                        while (transport is not null && !transport.TryEnter())
                        {
                            var current = cluster.Transport;
                            transport = ReferenceEquals(current, transport) ? null : current;
                        }

                        if (transport is null)
                        {
                            // The cluster left the config after this request was routed (Envoy: NC, cluster not found).
                            limits?.Exit();
                            observed?.AttemptFlag = ResponseFlags.NoHealthyUpstream;
                            result = Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.NoHealthyUpstream, "no healthy upstream");
                        }
                        else
                        {
                            (result, failure, error) = await SendAttemptAsync(request, original, decision, endpoint, transport, limits, perConnection, token, cancellationToken, routeTimeout, policy?.PerTryTimeout).ConfigureAwait(false);
                        }
                    }

                    // 3. Done, or another attempt: retries left, a replayable request, a retriable result, a retry budget.
                    if (attempt >= (policy?.Retries ?? 0) || !replayable || failure == UpstreamFailure.RouteTimeout || !policy!.IsRetriable(result, failure) ||
                        !TryEnterRetry(limits, ref retryLimits, ref retriesHeld))
                    {
                        if (observed is not null)
                        {
                            observed.Flags |= observed.AttemptFlag | FlagOf(failure);
                            if (attempt > 0 && attempt >= (policy?.Retries ?? 0) && replayable && failure != UpstreamFailure.RouteTimeout && policy!.IsRetriable(result, failure))
                            {
                                observed.Flags |= ResponseFlags.UpstreamRetryLimitExceeded;
                            }
                        }

                        response = result ?? Failed(request, original, failure, error!);
                        break;
                    }

                    _metrics.Retry(cluster.Name);
                    result?.Dispose();
                    if (!ownTraceContext)
                    {
                        MeshClientTelemetry.RemoveTraceContext(request);
                    }

                    var backoff = RoutePolicy.Backoff(attempt, provider.Routes.Random);
                    if (backoff > TimeSpan.Zero)
                    {
                        try
                        {
                            await Task.Delay(backoff, time, token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            observed?.Flags |= ResponseFlags.UpstreamRequestTimeout;
                            response = Failed(request, original, UpstreamFailure.RouteTimeout, null);
                            break;
                        }
                    }
                }
            }
            finally
            {
                await callerLink.DisposeAsync().ConfigureAwait(false);
                routeTimeout?.Dispose();
                request.RequestUri = original;
                if (originalHost is null)
                {
                    request.Headers.Remove(HostHeader);
                }
                else if (route.Rewrite?.Authority is not null)
                {
                    request.Headers.Host = originalHost;
                }

                if (perConnection is not null)
                {
                    request.Headers.ConnectionClose = originalClose;
                }

                // Given back to the limits they were taken from: a config update may have replaced the cluster's since.
                for (var i = 0; i < retriesHeld; i++)
                {
                    retryLimits!.ExitRetry();
                }
            }

            route.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);
            target.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);

            // Only a ring hash on a cookie with a ttl generates one; reading Options would allocate them for every request.
            if (cluster.LoadBalancer is RingHashLoadBalancer { Cookie.Ttl: not null } && request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie))
            {
                response.Headers.TryAddWithoutValidation("Set-Cookie", setCookie);
            }

            if (observed is not null)
            {
                Complete(request, cluster, route, endpoint, response, observed);
            }

            return response;
        }
        catch (Exception ex) when (observed is not null && Incomplete(ex, request, cluster, route, observed, cancellationToken))
        {
            throw; // never reached: the filter records the failure and declines
        }
    }

    /// <summary>A response the mesh answered before any attempt (NR, UH): recorded, with a span when one is listened for.</summary>
    private HttpResponseMessage Answered(HttpRequestMessage request, RouteDecision decision, HttpResponseMessage response, ResponseFlags flags)
    {
        var measured = telemetry.Enabled;
        var cluster = decision.Target?.Cluster;
        var activity = MeshActivities.Source.HasListeners() ? MeshActivities.StartRequest(request.Method.Method, telemetry.TagsFor(cluster is null ? decision.Service! : cluster).DestinationService) : null;
        if (measured || activity is not null)
        {
            var peers = telemetry.TagsFor(cluster is null ? decision.Service! : cluster);
            var outbound = Outbound(request, request.RequestUri!, peers, cluster, decision.Route, null, response, flags, measured ? time.GetTimestamp() : 0);
            if (measured)
            {
                telemetry.Record(outbound);
            }

            MeshClientTelemetry.EndActivity(activity, outbound, 0);
        }

        return response;
    }

    /// <summary>Starts observing a routed request: its start, its span (the parent of each attempt's), and .NET's per-attempt metrics tagged with the destination.</summary>
    private OutboundState Observe(HttpRequestMessage request, ClusterState cluster)
    {
        var measured = telemetry.Enabled;
        var tags = telemetry.TagsFor(cluster);
        if (measured)
        {
            MeshClientTelemetry.EnrichAttempts(request, tags);
        }

        return new OutboundState(measured, measured ? time.GetTimestamp() : 0, MeshActivities.StartRequest(request.Method.Method, tags.DestinationService), request.RequestUri!);
    }

    private void Complete(HttpRequestMessage request, ClusterState cluster, CompiledRoute route, MeshEndpoint? endpoint, HttpResponseMessage response, OutboundState observed)
    {
        var outbound = Outbound(request, observed.Logical, telemetry.TagsFor(cluster), cluster, route, endpoint, response, observed.Flags, observed.Start);
        if (observed.Measured)
        {
            telemetry.Record(outbound);
        }

        MeshClientTelemetry.EndActivity(observed.Activity, outbound, observed.Attempts);
    }

    /// <summary>Records a logical request that ended in an exception (the caller cancelled: DC; else UC), then lets the exception go on.</summary>
    private bool Incomplete(Exception error, HttpRequestMessage request, ClusterState cluster, CompiledRoute route, OutboundState observed, CancellationToken cancellationToken)
    {
        var flags = observed.Flags | (error is OperationCanceledException && cancellationToken.IsCancellationRequested ? ResponseFlags.DownstreamConnectionTermination : ResponseFlags.UpstreamConnectionTermination);
        var outbound = Outbound(request, observed.Logical, telemetry.TagsFor(cluster), cluster, route, null, null, flags, observed.Start);
        if (observed.Measured)
        {
            telemetry.Record(outbound);
        }

        observed.Activity?.SetTag(MeshActivities.ErrorType, error.GetType().FullName);
        MeshClientTelemetry.EndActivity(observed.Activity, outbound, observed.Attempts);
        return false;
    }

    private static OutboundRequest Outbound(HttpRequestMessage request, Uri uri, IstioTagSet peers, ClusterState? cluster, CompiledRoute? route, MeshEndpoint? endpoint, HttpResponseMessage? response, ResponseFlags flags, long start) =>
        new(
            peers,
            IstioLabels.ProtocolHttp,
            response is null ? 0 : (int)response.StatusCode,
            "",
            flags,
            ConnectionSecurity.ForClient(cluster),
            start,
            request.Content?.Headers.ContentLength ?? 0,
            response?.Content.Headers.ContentLength ?? 0,
            request.Method.Method,
            uri,
            request.Version,
            endpoint?.HostPort,
            cluster?.Name,
            route?.Name);

    private static ResponseFlags FlagOf(UpstreamFailure failure) => failure switch
    {
        UpstreamFailure.None => ResponseFlags.None,
        UpstreamFailure.RouteTimeout or UpstreamFailure.PerTryTimeout => ResponseFlags.UpstreamRequestTimeout,
        UpstreamFailure.ConnectFailure => ResponseFlags.UpstreamConnectionFailure,
        _ => ResponseFlags.UpstreamConnectionTermination,
    };

    /// <summary>Envoy's maxRetries: retries in flight across the cluster; over it, the failure stands.</summary>
    private static bool TryEnterRetry(ClusterLimits? limits, ref ClusterLimits? heldOn, ref int held)
    {
        if (limits is null)
        {
            return true;
        }

        // Retries held on limits a config update has since replaced are given back first, to where they were taken.
        if (heldOn is not null && !ReferenceEquals(heldOn, limits))
        {
            for (; held > 0; held--)
            {
                heldOn.ExitRetry();
            }
        }

        if (!limits.TryEnterRetry())
        {
            return false;
        }

        heldOn = limits;
        held++;
        return true;
    }

    /// <summary>
    /// One attempt on <paramref name="endpoint"/> through <paramref name="transport"/> (entered by the caller, as are the
    /// limits): the send under the per-try timeout, and what outlier detection learns from it. Returns a response, or why there is none.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(HttpResponseMessage? Response, UpstreamFailure Failure, Exception? Error)> SendAttemptAsync(
        HttpRequestMessage request,
        Uri original,
        RouteDecision decision,
        MeshEndpoint endpoint,
        Transport.MeshTransport transport,
        ClusterLimits? limits,
        int? perConnection,
        CancellationToken token,
        CancellationToken callerToken,
        CancellationTokenSource? routeTimeout,
        TimeSpan? perTryTimeout)
    {
        var outlier = decision.Target!.Cluster.Outlier;
        CancellationTokenSource? perTry = null;
        CancellationTokenRegistration perTryLink = default;
        request.RequestUri = BuildUpstreamUri(original, decision, endpoint);
        if (perConnection is { } n)
        {
            // Envoy closes a connection after N requests; here every Nth request to the endpoint asks for it.
            request.Headers.ConnectionClose = n == 1 || endpoint.State.NextRequestNumber() % n == 0;
        }

        endpoint.State.OnRequestStart();
        try
        {
            var attemptToken = token;
            if (perTryTimeout is { } each)
            {
                perTry = new CancellationTokenSource(each, time);
                perTryLink = token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), perTry);
                attemptToken = perTry.Token;
            }

            var response = await transport.SendAsync(request, attemptToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            outlier?.Record(endpoint, status >= 500, status is 502 or 503 or 504);
            return (response, UpstreamFailure.None, null);
        }
        catch (HttpRequestException ex)
        {
            // A local-origin failure counts as a 5xx and a gateway error, as Envoy counts it by default.
            outlier?.Record(endpoint, is5xx: true, isGateway: true);
            return (null, UpstreamException.Classify(ex), ex);
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            // Not the caller giving up: the route's timeout, the attempt's, or SocketsHttpHandler's ConnectTimeout
            // (tcp.connectTimeout, a cancellation nobody asked for). Each counts against the endpoint, as in Envoy.
            outlier?.Record(endpoint, is5xx: true, isGateway: true);
            var failure = routeTimeout?.IsCancellationRequested == true ? UpstreamFailure.RouteTimeout
                : perTry?.IsCancellationRequested == true ? UpstreamFailure.PerTryTimeout
                : UpstreamFailure.ConnectFailure;
            return (null, failure, ex);
        }
        finally
        {
            await perTryLink.DisposeAsync().ConfigureAwait(false);
            perTry?.Dispose();
            endpoint.State.OnRequestEnd();
            transport.Exit();
            limits?.Exit();
        }
    }

    /// <summary>Turns an attempt's failure into the response a sidecar would give: 504 on a timeout, 503 on a connection failure or reset; logged with the logical URI.</summary>
    private HttpResponseMessage Failed(HttpRequestMessage request, Uri uri, UpstreamFailure failure, Exception? error)
    {
        switch (failure)
        {
            case UpstreamFailure.RouteTimeout or UpstreamFailure.PerTryTimeout:
                Log.Timeout(logger, request.Method, uri);
                return Generated(request, HttpStatusCode.GatewayTimeout, MeshHeaders.UpstreamRequestTimeout, "upstream request timeout");
            case UpstreamFailure.ConnectFailure:
                Log.UpstreamFailed(logger, request.Method, uri, error?.Message ?? "connection failure");
                return Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamConnectFailure, "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
            default:
                Log.UpstreamFailed(logger, request.Method, uri, error?.Message ?? "reset");
                return Generated(request, HttpStatusCode.ServiceUnavailable, MeshHeaders.UpstreamReset, "upstream connect error or disconnect/reset before headers. reset reason: connection termination");
        }
    }

    private static Uri BuildUpstreamUri(Uri original, RouteDecision decision, MeshEndpoint endpoint)
    {
        var route = decision.Route!;
        if (route.Rewrite is { } rewrite && (rewrite.Uri is not null || rewrite.Regex is not null))
        {
            var path = original.AbsolutePath;
            var query = original.Query;
            if (rewrite.Regex is not null)
            {
                path = rewrite.Regex.Replace(path, rewrite.RegexReplacement ?? "");
            }
            else if (decision.MatchIndex >= 0 && route.Matches[decision.MatchIndex].UriPrefix is { } prefix)
            {
                // Istio: with a prefix match, rewrite.uri replaces the matched prefix only.
                path = rewrite.Uri + path[prefix.Length..];
            }
            else if (decision.MatchIndex < 0 || !route.Matches[decision.MatchIndex].HasUri)
            {
                // No uri match is Envoy's prefix "/": rewrite.uri replaces that leading slash (/v1/ on /reviews/0 is /v1/reviews/0).
                path = rewrite.Uri + path[1..];
            }
            else
            {
                path = rewrite.Uri!;
            }

            return new Uri(string.Concat(endpoint.UriPrefix(original.Scheme), path, query));
        }

        return new Uri(string.Concat(endpoint.UriPrefix(original.Scheme), original.PathAndQuery));
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
        [LoggerMessage(Telemetry.MeshEventIds.NoRoute, LogLevel.Warning, "Mesh: no route matched {Method} {Uri} in {VirtualService}; answered 503 route_not_found")]
        public static partial void NoRoute(ILogger logger, HttpMethod method, Uri uri, string virtualService);

        [LoggerMessage(Telemetry.MeshEventIds.NoHealthyUpstream, LogLevel.Warning, "Mesh: no healthy upstream for {Method} {Uri} in {Cluster}; answered 503 no_healthy_upstream")]
        public static partial void NoHealthyUpstream(ILogger logger, HttpMethod method, Uri uri, string cluster);

        [LoggerMessage(Telemetry.MeshEventIds.UpstreamOverflow, LogLevel.Warning, "Mesh: {Method} {Uri} to {Cluster} over its {Limit} limit; answered 503 upstream_overflow")]
        public static partial void Overflow(ILogger logger, HttpMethod method, Uri uri, string cluster, string limit);

        [LoggerMessage(Telemetry.MeshEventIds.UpstreamTimeout, LogLevel.Warning, "Mesh: {Method} {Uri} timed out; answered 504 upstream_request_timeout")]
        public static partial void Timeout(ILogger logger, HttpMethod method, Uri uri);

        [LoggerMessage(Telemetry.MeshEventIds.UpstreamFailed, LogLevel.Warning, "Mesh: {Method} {Uri} failed upstream ({Reason}); answered 503")]
        public static partial void UpstreamFailed(ILogger logger, HttpMethod method, Uri uri, string reason);
    }
}
