using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Resilience;

/// <summary>
/// A route's resilience, compiled once with its routes, with Envoy's semantics: the route timeout
/// bounds the whole call; retries (attempts, retryOn, Envoy's jittered backoff from 25 ms capped at
/// 250 ms, only replayable requests, within the cluster's maxRetries); perTryTimeout bounds each
/// attempt. With no retries field, Istio's default applies: 2 retries on connect-failure,
/// refused-stream, unavailable and cancelled. The request path runs it as one loop
/// (<see cref="Http.MeshHttpHandler"/>); this type holds the settings and the retry decision.
/// </summary>
internal sealed class RoutePolicy
{
    public static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(25);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromMilliseconds(250);

    private RoutePolicy(TimeSpan? timeout, int retries, TimeSpan? perTryTimeout, RetryConditions conditions, FaultPolicy? fault)
    {
        Timeout = timeout;
        Retries = retries;
        PerTryTimeout = perTryTimeout;
        Conditions = conditions;
        Fault = fault;
        IsSingleAttempt = timeout is null && retries == 0 && perTryTimeout is null;
    }

    /// <summary>Gets the route timeout (the whole call, retries included), or null for none.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Gets the most retries after the first attempt.</summary>
    public int Retries { get; }

    /// <summary>Gets the timeout of each attempt, or null for none.</summary>
    public TimeSpan? PerTryTimeout { get; }

    public RetryConditions Conditions { get; }

    public FaultPolicy? Fault { get; }

    /// <summary>Gets a value indicating whether the route runs one attempt and no timer: nothing to run around the send.</summary>
    public bool IsSingleAttempt { get; }

    public static RoutePolicy Create(HttpRoute route, TimeProvider time, IMeshRandom random)
    {
        var retries = route.Retries?.Attempts ?? 2;
        var conditions = route.Retries?.RetryOn is { } retryOn ? RetryConditions.Parse(retryOn) : RetryConditions.IstioDefault;
        var timeout = route.Timeout is { } t && t > TimeSpan.Zero ? t : (TimeSpan?)null;
        var perTry = retries > 0 || route.Retries?.PerTryTimeout is not null ? route.Retries?.PerTryTimeout : null;
        return new RoutePolicy(timeout, retries, perTry, conditions, FaultPolicy.Create(route.Fault));
    }

    /// <summary>Envoy's backoff: the Nth retry (from 0) waits a random time in [0, (2^(N+1) - 1) × 25 ms], capped at 250 ms.</summary>
    public static TimeSpan Backoff(int retryNumber, IMeshRandom random)
    {
        var ceiling = Math.Min(((1L << Math.Min(retryNumber + 1, 20)) - 1) * BackoffBase.Ticks, BackoffMax.Ticks);
        return TimeSpan.FromTicks((long)(ceiling * (random.Next(1_000_000) / 1_000_000.0)));
    }

    /// <summary>
    /// Whether an attempt's result is retried under the route's retryOn: a response the mesh did not
    /// generate itself, or a failure without one (a per-try timeout counts as a reset, as in Envoy).
    /// </summary>
    public bool IsRetriable(HttpResponseMessage? response, UpstreamFailure failure) => response is not null
        ? !response.Headers.NonValidated.Contains(Http.MeshHeaders.Reason) && Conditions.ShouldRetry(response)
        : Conditions.ShouldRetry(failure);

    /// <summary>Whether a request's body can be sent again: none, or one held in memory.</summary>
    public static bool IsReplayable(HttpRequestMessage request) => request.Content is null or ByteArrayContent or ReadOnlyMemoryContent or FormUrlEncodedContent or System.Net.Http.Json.JsonContent;
}
