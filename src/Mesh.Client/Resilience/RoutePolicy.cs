using Mesh.Configuration;
using Mesh.Snapshot;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Mesh.Resilience;

/// <summary>
/// A route's resilience, compiled once with the snapshot into a Polly pipeline with Envoy's
/// semantics: [route timeout, the whole call] → [retries: attempts, retryOn, Envoy's jittered
/// backoff from 25 ms capped at 250 ms, only replayable requests, within the cluster's maxRetries]
/// → [perTryTimeout]. With no retries field, Istio's default applies: 2 retries on
/// connect-failure, refused-stream, unavailable, cancelled and 503.
/// </summary>
internal sealed class RoutePolicy
{
    public static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(25);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromMilliseconds(250);

    private RoutePolicy(TimeSpan? timeout, int retries, TimeSpan? perTryTimeout, RetryConditions conditions, FaultPolicy? fault, ResiliencePipeline<HttpResponseMessage>? pipeline)
    {
        Timeout = timeout;
        Retries = retries;
        PerTryTimeout = perTryTimeout;
        Conditions = conditions;
        Fault = fault;
        Pipeline = pipeline;
    }

    public TimeSpan? Timeout { get; }

    public int Retries { get; }

    public TimeSpan? PerTryTimeout { get; }

    public RetryConditions Conditions { get; }

    public FaultPolicy? Fault { get; }

    /// <summary>Gets the pipeline, or null when the route has nothing to run (a single attempt, no timeouts).</summary>
    public ResiliencePipeline<HttpResponseMessage>? Pipeline { get; }

    public static RoutePolicy Create(HttpRoute route, TimeProvider time, IMeshRandom random)
    {
        var retries = route.Retries?.Attempts ?? 2;
        var conditions = route.Retries?.RetryOn is { } retryOn ? RetryConditions.Parse(retryOn) : RetryConditions.IstioDefault;
        var timeout = route.Timeout is { } t && t > TimeSpan.Zero ? t : (TimeSpan?)null;
        var perTry = retries > 0 || route.Retries?.PerTryTimeout is not null ? route.Retries?.PerTryTimeout : null;

        ResiliencePipeline<HttpResponseMessage>? pipeline = null;
        if (timeout is not null || retries > 0 || perTry is not null)
        {
            var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
            if (timeout is { } total)
            {
                // A generator, not Timeout: Polly's Timeout takes 10 ms to 24 h, Istio's any whole number of ms.
                builder.AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = _ => new ValueTask<TimeSpan>(total) });
            }

            if (retries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = retries,
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args, conditions)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(Backoff(args.AttemptNumber, random)),
                });
            }

            if (perTry is { } each)
            {
                builder.AddTimeout(new TimeoutStrategyOptions
                {
                    TimeoutGenerator = _ => new ValueTask<TimeSpan>(each),
                    OnTimeout = static args =>
                    {
                        if (args.Context.Properties.TryGetValue(AttemptState.Key, out var state))
                        {
                            state.PerTryTimedOut = true;
                        }

                        return default;
                    },
                });
            }

            pipeline = builder.Build();
        }

        return new RoutePolicy(timeout, retries, perTry, conditions, FaultPolicy.Create(route.Fault), pipeline);
    }

    /// <summary>Envoy's backoff: the Nth retry waits a random time in [0, (2^N - 1) × 25 ms], capped at 250 ms.</summary>
    public static TimeSpan Backoff(int attemptNumber, IMeshRandom random)
    {
        var ceiling = Math.Min(((1L << Math.Min(attemptNumber + 1, 20)) - 1) * BackoffBase.Ticks, BackoffMax.Ticks);
        return TimeSpan.FromTicks((long)(ceiling * (random.Next(1_000_000) / 1_000_000.0)));
    }

    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args, RetryConditions conditions)
    {
        if (!args.Context.Properties.TryGetValue(AttemptState.Key, out var state) || !state.Replayable)
        {
            return false;
        }

        var retriable = args.Outcome switch
        {
            { Result: { } response } => !response.Headers.Contains(Http.MeshHeaders.Reason) && conditions.ShouldRetry(response),
            { Exception: UpstreamException upstream } => conditions.ShouldRetry(upstream.Failure),
            { Exception: TimeoutRejectedException } when state.PerTryTimedOut => conditions.ShouldRetry(UpstreamFailure.PerTryTimeout),
            _ => false,
        };
        if (!retriable)
        {
            return false;
        }

        // Envoy's maxRetries: retries in flight across the cluster; over it, the failure stands.
        if (state.Decision.Target?.Cluster.Policy?.Limits is { } limits)
        {
            if (!limits.TryEnterRetry())
            {
                return false;
            }

            state.RetriesHeld++;
        }

        state.PerTryTimedOut = false;
        return true;
    }
}
