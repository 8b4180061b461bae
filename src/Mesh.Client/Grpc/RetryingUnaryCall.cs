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
    private readonly GrpcCallPlan _plan;
    private readonly TRequest _request;
    private readonly ClientInterceptorContext<TRequest, TResponse> _context;
    private readonly Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> _continuation;
    private readonly GrpcAttempts _attempts;
    private AsyncUnaryCall<TResponse>? _current;
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

    public AsyncUnaryCall<TResponse> ToCall() => new(ResponseAsync, HeadersAsync(), GetStatus, GetTrailers, Dispose);

    private async Task<TResponse> RunAsync()
    {
        try
        {
            return await AttemptAsync().ConfigureAwait(false);
        }
        finally
        {
            _attempts.ReleaseRetries();
        }
    }

    private async Task<TResponse> AttemptAsync()
    {
        if (_plan.RollFaultDelay() is var delay && delay > TimeSpan.Zero)
        {
            await _plan.DelayAsync(delay).ConfigureAwait(false);
        }

        for (var retries = 0; ; retries++)
        {
            var options = _plan.ForAttempt(out var attemptDeadline);
            var call = _attempts.Start(() => _continuation(_request, new ClientInterceptorContext<TRequest, TResponse>(_context.Method, _context.Host, options)));
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

    private Status GetStatus() => Current.GetStatus();

    private Metadata GetTrailers() => Current.GetTrailers();

    private void Dispose()
    {
        _disposed = true;
        Volatile.Read(ref _current)?.Dispose();
    }
}
