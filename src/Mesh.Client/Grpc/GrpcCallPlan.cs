using Grpc.Core;
using Mesh.Resilience;
using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>
/// The route's resilience applied to one gRPC call (Envoy's router semantics, in gRPC's terms as gRFC A44 gives them):
/// the route timeout as the call's deadline (the shorter of it and the caller's), the per-try timeout as each
/// attempt's, the retry decision from the route's retryOn read against the attempt's status, Envoy's jittered
/// backoff, and the fault delay.
/// </summary>
internal sealed class GrpcCallPlan
{
    /// <summary>gRFC A44 caps a call at 5 attempts, whatever the route asks for.</summary>
    public const int MaxAttempts = 5;

    private const string DropTrailer = "grpc-internal-drop-request";

    /// <summary>How early Grpc.Net.Client's deadline timer may fire (it rounds to whole milliseconds and timers are coarse).</summary>
    private static readonly TimeSpan DeadlineSkew = TimeSpan.FromMilliseconds(50);

    private readonly RoutePolicy? _policy;
    private readonly IMeshRandom _random;
    private readonly TimeProvider _time;
    private readonly DateTime? _callerDeadline;

    public GrpcCallPlan(RoutePolicy? policy, CallOptions options, IMeshRandom random, TimeProvider time)
    {
        _policy = policy;
        _random = random;
        _time = time;
        Options = options;
        _callerDeadline = options.Deadline is { } d && d != DateTime.MaxValue ? (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d) : null;
        StartTimeout();
        MaxRetries = Math.Min(policy?.Retries ?? 0, MaxAttempts - 1);
    }

    /// <summary>Gets the caller's options.</summary>
    public CallOptions Options { get; }

    /// <summary>Gets the call's deadline: the shorter of the caller's and the route timeout's, or null for none.</summary>
    public DateTime? Deadline { get; private set; }

    public int MaxRetries { get; }

    /// <summary>Grpc.Net.Client compares deadlines with the wall clock, so the mesh sets them by it too (not by the injected time).</summary>
    private static DateTime Now => TimeProvider.System.GetUtcNow().UtcDateTime;

    /// <summary>Returns the options of the next attempt: the caller's, with the call's deadline or the per-try one if sooner.</summary>
    public CallOptions ForAttempt(out DateTime? attemptDeadline)
    {
        attemptDeadline = Min(Deadline, _policy?.PerTryTimeout is { } perTry ? Now + perTry : null);
        return attemptDeadline is { } deadline ? Options.WithDeadline(deadline) : Options;
    }

    /// <summary>
    /// Whether an attempt that failed with <paramref name="error"/> is retried: never a failure the mesh generated (a fault
    /// abort, no healthy upstream, an overflow: Envoy's local replies are not retried either), a call
    /// the caller cancelled or whose deadline passed, nor past the retries left; a per-try timeout and a transport failure
    /// as Envoy's reset conditions say; any other status by the gRPC conditions of retryOn; and only within the
    /// cluster's maxRetries (retries in flight), as Envoy's circuit breaker.
    /// </summary>
    public bool ShouldRetry(RpcException error, int retries, DateTime? attemptDeadline, GrpcAttempts attempts) =>
        IsRetriable(error, retries, attemptDeadline) && attempts.TryHoldRetry();

    private bool IsRetriable(RpcException error, int retries, DateTime? attemptDeadline)
    {
        if (_policy is not { } policy || retries >= MaxRetries || Options.CancellationToken.IsCancellationRequested ||
            error.Trailers.GetValue(DropTrailer) is not null || error.Status.Detail.StartsWith(MeshGrpcFailures.DetailPrefix, StringComparison.Ordinal) ||
            (Deadline is { } deadline && Now >= deadline - DeadlineSkew))
        {
            return false;
        }

        if (error.StatusCode == StatusCode.DeadlineExceeded && attemptDeadline is { } perTry && perTry != Deadline && Now >= perTry - DeadlineSkew)
        {
            return policy.Conditions.ShouldRetry(UpstreamFailure.PerTryTimeout);
        }

        if (error.Status.DebugException is HttpRequestException or HttpProtocolException or IOException)
        {
            return policy.Conditions.ShouldRetry(UpstreamException.Classify(error.Status.DebugException));
        }

        return policy.Conditions.ShouldRetryGrpc((int)error.StatusCode);
    }

    /// <summary>Waits Envoy's backoff before retry number <paramref name="retry"/> (0 for the first).</summary>
    public Task BackoffAsync(int retry) => Task.Delay(RoutePolicy.Backoff(retry, _random), _time, Options.CancellationToken);

    /// <summary>Rolls the route's fault delay; returns the delay to wait before the first attempt, or zero.</summary>
    public TimeSpan RollFaultDelay()
    {
        var delay = _policy?.Fault is { Delay: var d } fault && d > TimeSpan.Zero && FaultPolicy.Roll(fault.DelayPercent, _random) ? d : TimeSpan.Zero;
        DelayInjected |= delay > TimeSpan.Zero;
        return delay;
    }

    /// <summary>Gets a value indicating whether a fault delay was injected into the call (Envoy's DI flag), for telemetry.</summary>
    public bool DelayInjected { get; private set; }

    /// <summary>
    /// Waits a fault delay; the caller cancelling ends the call as CANCELLED. The route's timeout starts after it, as
    /// Envoy's fault filter runs before the router (the caller's own deadline runs on).
    /// </summary>
    public async Task DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, Options.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client.", ex));
        }

        StartTimeout();
    }

    private void StartTimeout() => Deadline = Min(_callerDeadline, _policy?.Timeout is { } timeout ? Now + timeout : null);

    private static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
