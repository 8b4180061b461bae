using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.Resilience;
using Mesh.Routing;
using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>
/// What the picker cannot do for a mesh channel's calls, done around each call: the route's timeout as the call's
/// deadline (which the server sees in <c>grpc-timeout</c>), per-try timeouts, retries by the route's retryOn, and the
/// fault delay. Unary and server-streaming calls are retried (each attempt picked again) only before a response
/// message was delivered; client-streaming and bidi calls are never retried, as their messages would have to be
/// replayed, and get the deadline only (no fault delay either). The route is matched on the call's method and
/// metadata, as the picker matches it.
/// </summary>
internal sealed class MeshGrpcInterceptor : Interceptor
{
    private readonly MeshSnapshotProvider _provider;
    private readonly GrpcTarget _target;
    private readonly TimeProvider _time;
    private readonly LogicalUris _uris;
    private readonly Telemetry.MeshClientTelemetry? _telemetry;

    public MeshGrpcInterceptor(MeshSnapshotProvider provider, GrpcTarget target, TimeProvider time, Telemetry.MeshClientTelemetry? telemetry = null)
    {
        _provider = provider;
        _target = target;
        _time = time;
        _telemetry = telemetry;
        _uris = new LogicalUris(target);
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (Plan(context.Method, context.Options, out var service) is not { } plan)
        {
            return continuation(request, context);
        }

        // Telemetry of the logical call, when someone listens: its span is current while its first attempt starts.
        return GrpcCallTelemetry.Start(_telemetry, plan, service, context.Method.FullName) is { } observed
            ? Observed(observed, plan, request, context, continuation)
            : new RetryingUnaryCall<TRequest, TResponse>(plan, request, context, continuation).ToCall();
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (Plan(context.Method, context.Options, out _) is not { } plan)
        {
            return continuation(request, context);
        }

        // A blocking call blocks anyway: the same attempts, waited on.
        if (plan.RollFaultDelay() is var delay && delay > TimeSpan.Zero)
        {
            plan.DelayAsync(delay).GetAwaiter().GetResult();
        }

        var attempts = new GrpcAttempts();
        try
        {
            for (var retries = 0; ; retries++)
            {
                var options = plan.ForAttempt(out var attemptDeadline);
                try
                {
                    return attempts.Start(() => continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options)));
                }
                catch (RpcException ex) when (plan.ShouldRetry(ex, retries, attemptDeadline, attempts))
                {
                }
                catch (RpcException ex) when (MeshGrpcFailures.WithReason(ex) is { } named)
                {
                    throw named;
                }

                plan.BackoffAsync(retries).GetAwaiter().GetResult();
            }
        }
        finally
        {
            attempts.ReleaseRetries();
        }
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        if (Plan(context.Method, context.Options, out var service) is not { } plan)
        {
            return continuation(request, context);
        }

        return GrpcCallTelemetry.Start(_telemetry, plan, service, context.Method.FullName) is { } observed
            ? Observed(observed, plan, request, context, continuation)
            : new RetryingServerStreamingCall<TRequest, TResponse>(plan, request, context, continuation).ToCall();
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var deadlined = WithDeadline(context, out var plan, out var service);
        return plan is not null && GrpcCallTelemetry.Start(_telemetry, plan, service, context.Method.FullName) is { } observed
            ? Observed(observed, deadlined, continuation)
            : continuation(deadlined);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var deadlined = WithDeadline(context, out var plan, out var service);
        return plan is not null && GrpcCallTelemetry.Start(_telemetry, plan, service, context.Method.FullName) is { } observed
            ? Observed(observed, deadlined, continuation)
            : continuation(deadlined);
    }

    // The observed calls, apart: their lambdas' captures would otherwise be allocated on every call, observed or not.
    private static AsyncUnaryCall<TResponse> Observed<TRequest, TResponse>(GrpcCallTelemetry observed, GrpcCallPlan plan, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class =>
        observed.Observe(observed.Run(() => new RetryingUnaryCall<TRequest, TResponse>(plan, request, context, continuation, observed.Attempts).ToCall()));

    private static AsyncServerStreamingCall<TResponse> Observed<TRequest, TResponse>(GrpcCallTelemetry observed, GrpcCallPlan plan, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class =>
        observed.Observe(observed.Run(() => new RetryingServerStreamingCall<TRequest, TResponse>(plan, request, context, continuation, observed.Attempts).ToCall()));

    private static AsyncClientStreamingCall<TRequest, TResponse> Observed<TRequest, TResponse>(GrpcCallTelemetry observed, ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class =>
        observed.Observe(observed.Run(() => observed.Attempts.Start(() => continuation(context))));

    private static AsyncDuplexStreamingCall<TRequest, TResponse> Observed<TRequest, TResponse>(GrpcCallTelemetry observed, ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class =>
        observed.Observe(observed.Run(() => observed.Attempts.Start(() => continuation(context))));

    private ClientInterceptorContext<TRequest, TResponse> WithDeadline<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, out GrpcCallPlan? plan, out ServiceRoutes? service)
        where TRequest : class
        where TResponse : class
    {
        plan = Plan(context.Method, context.Options, out service);
        if (plan is null)
        {
            return context;
        }

        var options = plan.ForAttempt(out _);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options);
    }

    /// <summary>Matches the call's route; null when the target is not a mesh service (the picker answers that).</summary>
    private GrpcCallPlan? Plan(IMethod method, CallOptions options, out ServiceRoutes? service)
    {
        var table = _provider.Routes;
        if (!table.TryGetService(_target.Host, out service))
        {
            return null;
        }

        RoutePolicy? policy;
        if (service.Routes is [{ MatchesAll: true } first, ..])
        {
            policy = first.Policy;
        }
        else
        {
            // The picker will see the same path and metadata (Grpc.Net.Client sends metadata as headers, -bin ones in
            // base64), and the target's authority.
            using var request = new HttpRequestMessage(HttpMethod.Post, _uris.For(method.FullName));
            request.Headers.Host = _target.Authority;
            if (options.Headers is { } headers)
            {
                foreach (var entry in headers)
                {
                    request.Headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
                }
            }

            // No route: the picker fails the call (route_not_found); the plan only names the reason.
            policy = service.Match(request, out _)?.Policy;
        }

        return new GrpcCallPlan(policy, options, table.Random, _time);
    }
}
