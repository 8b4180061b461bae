using Mesh.Routing;
using Mesh.Runtime;
using Polly;

namespace Mesh.Resilience;

/// <summary>What the attempts of one request share: the request, its routing decision, the last endpoint tried.</summary>
internal sealed class AttemptState(HttpRequestMessage request, RouteDecision decision, bool replayable, Uri originalUri, CancellationToken callerToken)
{
    public static readonly ResiliencePropertyKey<AttemptState> Key = new("Mesh.Attempt");

    /// <summary>Gets the caller's own token: its cancellation is the caller giving up, not the endpoint failing.</summary>
    public CancellationToken CallerToken { get; } = callerToken;

    /// <summary>Gets the request's URI as the caller wrote it (the logical host), from which each attempt's URI is built.</summary>
    public Uri OriginalUri { get; } = originalUri;

    public HttpRequestMessage Request { get; } = request;

    public RouteDecision Decision { get; } = decision;

    public bool Replayable { get; } = replayable;

    public MeshEndpoint? LastEndpoint { get; set; }

    public int Attempts { get; set; }

    /// <summary>Gets or sets the retries this request holds in its cluster's maxRetries budget.</summary>
    public int RetriesHeld { get; set; }

    /// <summary>Gets or sets a value indicating whether the last attempt failed on its per-try timeout (not the caller's or the route's).</summary>
    public bool PerTryTimedOut { get; set; }

    /// <summary>Whether a request's body can be sent again: none, or one held in memory.</summary>
    public static bool IsReplayable(HttpRequestMessage request) => request.Content is null or ByteArrayContent or ReadOnlyMemoryContent or FormUrlEncodedContent or System.Net.Http.Json.JsonContent;
}
