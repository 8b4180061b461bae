using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Grpc;

/// <summary>
/// A unary call under the route's resilience: the fault delay, then attempts (each picked again by the balancer, each
/// with its deadline) until one succeeds or its failure is not retried. The response headers, status and trailers
/// are the last attempt's, known once the call completed.
/// </summary>
internal sealed class RetryingUnaryCall<TRequest, TResponse>
    where TRequest : class
    where TResponse : class
{
    // The call's accessors as static delegates over the call itself (AsyncUnaryCall's state overload): no delegates per call,
    // and the headers task is made only when the caller asks for it.
    private static readonly Func<object, Task<Metadata>> GetHeaders = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).Headers;
    private static readonly Func<object, Status> GetStatus = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).Current.GetStatus();
    private static readonly Func<object, Metadata> GetTrailers = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).Current.GetTrailers();
    private static readonly Action<object> DisposeCall = static s => ((RetryingUnaryCall<TRequest, TResponse>)s).Dispose();

    private readonly GrpcCallPlan _plan;
    private readonly TRequest _request;
    private readonly ClientInterceptorContext<TRequest, TResponse> _context;
    private readonly Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> _continuation;
    private readonly GrpcAttempts _attempts;
    private AsyncUnaryCall<TResponse>? _current;
    private Task<Metadata>? _headers;
    private volatile bool _disposed;

    public RetryingUnaryCall(GrpcCallPlan plan, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation, GrpcAttempts? attempts = null)
    {
        _attempts = attempts ?? new();
        _plan = plan;
        _request = request;
        _context = context;
        _continuation = continuation;
        ResponseAsync = RunAsync();
    }

    public Task<TResponse> ResponseAsync { get; }

    public AsyncUnaryCall<TResponse> ToCall() => new(ResponseAsync, GetHeaders, GetStatus, GetTrailers, DisposeCall, this);

    /// <summary>Gets the last attempt's response headers, once the call completed; made on first use (a benign race may make two).</summary>
    private Task<Metadata> Headers => Volatile.Read(ref _headers) ?? (_headers = HeadersAsync());

    private async Task<TResponse> RunAsync()
    {
        try
        {
            if (_plan.RollFaultDelay() is var delay && delay > TimeSpan.Zero)
            {
                await _plan.DelayAsync(delay).ConfigureAwait(false);
            }

            for (var retries = 0; ; retries++)
            {
                var options = _plan.ForAttempt(out var attemptDeadline);
                var call = _attempts.Start((Call: this, Options: options), static s => s.Call.Start(s.Options));
                Volatile.Write(ref _current, call);
                try
                {
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException ex) when (!_disposed && _plan.ShouldRetry(ex, retries, attemptDeadline, _attempts))
                {
                    call.Dispose();
                }
                catch (RpcException ex) when (MeshGrpcFailures.WithReason(ex) is { } named)
                {
                    throw named;
                }

                await _plan.BackoffAsync(retries).ConfigureAwait(false);
            }
        }
        finally
        {
            _attempts.ReleaseRetries();
        }
    }

    private AsyncUnaryCall<TResponse> Start(CallOptions options) =>
        _continuation(_request, new ClientInterceptorContext<TRequest, TResponse>(_context.Method, _context.Host, options));

    private async Task<Metadata> HeadersAsync()
    {
        try
        {
            await ResponseAsync.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the last attempt's headers task reports its own failure
        catch
#pragma warning restore CA1031
        {
        }

        return await Current.ResponseHeadersAsync.ConfigureAwait(false);
    }

    private AsyncUnaryCall<TResponse> Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("Unable to get the call's result: the call has not started.");

    private void Dispose()
    {
        _disposed = true;
        Volatile.Read(ref _current)?.Dispose();
    }
}
