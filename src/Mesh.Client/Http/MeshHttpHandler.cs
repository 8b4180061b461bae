using System.Net;
using Mesh.LoadBalancing;
using Mesh.Routing;
using Mesh.Snapshot;
using Mesh.Telemetry;
using Microsoft.Extensions.Logging;

namespace Mesh.Http;

/// <summary>
/// The outbound data plane of an HttpClient: resolves the request's host as a mesh service, routes
/// it, picks an endpoint and sends the request there, with the logical authority kept in Host as
/// behind a sidecar. Hosts the mesh does not know pass through untouched.
/// </summary>
internal sealed partial class MeshHttpHandler(MeshSnapshotProvider provider, MeshMetrics metrics, ILogger<MeshHttpHandler> logger) : DelegatingHandler
{
    private static readonly KeyValuePair<string, object?> Routed = new("outcome", "routed");
    private static readonly KeyValuePair<string, object?> NoRoute = new("outcome", MeshHeaders.RouteNotFound);
    private static readonly KeyValuePair<string, object?> NoUpstream = new("outcome", MeshHeaders.NoHealthyUpstream);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var decision = MeshRouter.Route(provider.Current, request);
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
        decision = MeshRouter.Route(provider.Current, request);
        if (decision.Outcome == RouteOutcome.ColdCluster)
        {
            // The registry could not load them (it is unreachable): there is nothing to route to.
            decision = decision with { Outcome = RouteOutcome.NoHealthyUpstream };
        }

        return await Send(request, decision, cancellationToken).ConfigureAwait(false);
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
                Log.NoRoute(logger, request.Method, request.RequestUri!, decision.Service!.VirtualService?.DisplayName ?? "");
                return Task.FromResult(Generated(request, MeshHeaders.RouteNotFound, "no route matched"));
            case RouteOutcome.NoHealthyUpstream:
                metrics.Requests.Add(1, NoUpstream);
                var cluster = decision.Target?.Cluster.Name ?? "(all weights are 0)";
                Log.NoHealthyUpstream(logger, request.Method, request.RequestUri!, cluster);
                return Task.FromResult(Generated(request, MeshHeaders.NoHealthyUpstream, "no healthy upstream"));
            default:
                return base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> SendRoutedAsync(HttpRequestMessage request, RouteDecision decision, CancellationToken cancellationToken)
    {
        var route = decision.Route!;
        var target = decision.Target!;
        var endpoint = decision.Endpoint!;
        var original = request.RequestUri!;
        var originalHost = request.Headers.Host;

        // Keep the logical authority, as a sidecar would: the upstream sees Host: reviews:9080.
        request.Headers.Host = route.Rewrite?.Authority ?? originalHost ?? original.Authority;
        request.RequestUri = BuildUpstreamUri(original, endpoint, route, decision.MatchIndex);
        route.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);
        target.RequestHeaders?.Apply(request.Headers, request.Content?.Headers);

        endpoint.State.OnRequestStart();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            endpoint.State.OnRequestEnd();
            request.RequestUri = original;
            request.Headers.Host = originalHost;
        }

        route.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);
        target.ResponseHeaders?.Apply(response.Headers, response.Content.Headers);
        if (request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie))
        {
            response.Headers.TryAddWithoutValidation("Set-Cookie", setCookie);
        }

        return response;
    }

    private static Uri BuildUpstreamUri(Uri original, MeshEndpoint endpoint, CompiledRoute route, int matchIndex)
    {
        var pathAndQuery = original.PathAndQuery;
        if (route.Rewrite is { } rewrite && (rewrite.Uri is not null || rewrite.Regex is not null))
        {
            var path = original.AbsolutePath;
            var query = original.Query;
            if (rewrite.Regex is not null)
            {
                path = rewrite.Regex.Replace(path, rewrite.RegexReplacement ?? "");
            }
            else if (matchIndex >= 0 && route.Matches[matchIndex].UriPrefix is { } prefix)
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

    private static HttpResponseMessage Generated(HttpRequestMessage request, string reason, string body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
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
    }
}
