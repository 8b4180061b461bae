using Mesh.Runtime;

namespace Mesh.Grpc;

/// <summary>
/// What the attempts of one call share between <see cref="MeshGrpcInterceptor"/> and <see cref="MeshPicker"/>: the
/// cluster the call was routed to (a retry goes to the same cluster, and rolls no fault again), the endpoint the last
/// attempt went to, so that a retry goes elsewhere (Envoy's previous-hosts predicate, which Istio sets on every retry
/// policy), and the retries the call holds in the cluster's maxRetries budget. Grpc.Net.Client gives the picker nothing from the caller (grpc-dotnet #1835); the
/// picker runs synchronously in the execution context the call was started in, so an async-local carries it.
/// </summary>
internal sealed class GrpcAttempts
{
    private static readonly AsyncLocal<GrpcAttempts?> CurrentAttempts = new();

    /// <summary>Gets the attempts of the call being started on this execution context, or null outside the interceptor.</summary>
    public static GrpcAttempts? Current => CurrentAttempts.Value;

    private Resilience.ClusterLimits? _retryLimits;
    private int _retriesHeld;

    /// <summary>Gets or sets the endpoint the last attempt was sent to.</summary>
    public MeshEndpoint? Previous { get; set; }

    /// <summary>Gets or sets the route the call matched, or null before its first pick.</summary>
    public Routing.CompiledRoute? Route { get; set; }

    /// <summary>Gets or sets the destination the call was sent to: its retries go to the same one, as in Envoy, which chooses a request's cluster once.</summary>
    public Routing.RouteTarget? Target { get; set; }

    /// <summary>Gets or sets the index of the route's match block the call matched (-1 for none), for rewrite.uri.</summary>
    public int MatchIndex { get; set; } = -1;

    /// <summary>Gets or sets the destination the picker chose for the call, even when it then failed the call (no healthy upstream, overflow): for telemetry only.</summary>
    public Routing.RouteTarget? Chosen { get; set; }

    /// <summary>Gets the cluster the call was sent to.</summary>
    public ClusterState? Cluster => Target?.Cluster;

    /// <summary>Takes a retry from the cluster's maxRetries budget (retries in flight); false when it is used up.</summary>
    public bool TryHoldRetry()
    {
        if (Cluster?.Limits is not { } limits)
        {
            return true;
        }

        // The attempts of a call go to one cluster (the picker pins it), so its retries are held on one budget.
        if (Volatile.Read(ref _retryLimits) is { } held && !ReferenceEquals(held, limits))
        {
            // The cluster's limits were replaced by a config change: the retries held stay with the old ones.
            return held.TryEnterRetry() && Hold();
        }

        _retryLimits = limits;
        return limits.TryEnterRetry() && Hold();
    }

    private bool Hold()
    {
        Interlocked.Increment(ref _retriesHeld);
        return true;
    }

    /// <summary>Gives the retries held back to the budget; the call ended. Safe to call more than once.</summary>
    public void ReleaseRetries()
    {
        var held = Interlocked.Exchange(ref _retriesHeld, 0);
        for (var i = 0; i < held; i++)
        {
            _retryLimits!.ExitRetry();
        }
    }

    /// <summary>Gets the number of attempts started (1 + retries), for telemetry.</summary>
    public int Started => Volatile.Read(ref _started);

    private int _started;

    /// <summary>Starts an attempt with these attempts in scope: the call captures them when it starts; the caller's context is left as it was.</summary>
    public T Start<T>(Func<T> start) => Start(start, static s => s());

    /// <summary>As <see cref="Start{T}(Func{T})"/>, with the state passed to <paramref name="start"/> (a static lambda allocates no closure).</summary>
    public T Start<TState, T>(TState state, Func<TState, T> start)
    {
        var outer = CurrentAttempts.Value;
        CurrentAttempts.Value = this;
        Interlocked.Increment(ref _started);
        try
        {
            return start(state);
        }
        finally
        {
            CurrentAttempts.Value = outer;
        }
    }
}
