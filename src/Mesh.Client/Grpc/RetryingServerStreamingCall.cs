using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Grpc;

/// <summary>
/// A server-streaming call under the route's resilience: retried (a new attempt, picked again) only while no response
/// message has been delivered to the caller; after the first, a failure ends the call, as Envoy cannot retry once
/// it forwarded a response. Messages pass through one at a time, never buffered.
/// </summary>
internal sealed class RetryingServerStreamingCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>
    where TRequest : class
    where TResponse : class
{
    // The call's accessors as static delegates over the call itself (AsyncServerStreamingCall's state overload): no
    // delegates per call, and the headers task is made only when the caller asks for it.
    private static readonly Func<object, Task<Metadata>> GetHeaders = static s => ((RetryingServerStreamingCall<TRequest, TResponse>)s).Headers;
    private static readonly Func<object, Status> GetStatus = static s => ((RetryingServerStreamingCall<TRequest, TResponse>)s).Status();
    private static readonly Func<object, Metadata> GetTrailers = static s => ((RetryingServerStreamingCall<TRequest, TResponse>)s).Trailers();
    private static readonly Action<object> DisposeCall = static s => ((RetryingServerStreamingCall<TRequest, TResponse>)s).Dispose();

    private readonly GrpcCallPlan _plan;
    private readonly TRequest _request;
    private readonly ClientInterceptorContext<TRequest, TResponse> _context;
    private readonly Interceptor.AsyncServerStreamingCallContinuation<TRequest, TResponse> _continuation;
    private readonly Task _started;
    private readonly GrpcAttempts _attempts;
    private AsyncServerStreamingCall<TResponse>? _current;
    private Task<Metadata>? _headers;
    private DateTime? _attemptDeadline;
    private bool _delivered;
    private int _retries;
    private volatile bool _disposed;

    public RetryingServerStreamingCall(GrpcCallPlan plan, TRequest request, ClientInterceptorContext<TRequest, TResponse> context, Interceptor.AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation, GrpcAttempts? attempts = null)
    {
        _attempts = attempts ?? new();
        _plan = plan;
        _request = request;
        _context = context;
        _continuation = continuation;
        var delay = plan.RollFaultDelay();
        if (delay > TimeSpan.Zero)
        {
            _started = StartAfterAsync(delay);
        }
        else
        {
            StartAttempt();
            _started = Task.CompletedTask;
        }
    }

    public TResponse Current => (Volatile.Read(ref _current) ?? throw new InvalidOperationException("The call has not started.")).ResponseStream.Current;

    public AsyncServerStreamingCall<TResponse> ToCall() => new(this, GetHeaders, GetStatus, GetTrailers, DisposeCall, this);

    /// <summary>Gets the current attempt's response headers; made on first use (a benign race may make two).</summary>
    private Task<Metadata> Headers => Volatile.Read(ref _headers) ?? (_headers = HeadersAsync());

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        await _started.ConfigureAwait(false);
        while (true)
        {
            var call = Volatile.Read(ref _current)!;
            try
            {
                var moved = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                _delivered |= moved;
                if (moved)
                {
                    // No retry after a message: the retries held (the first message ends them) go back to the budget.
                    _attempts.ReleaseRetries();
                }

                return moved;
            }
            catch (RpcException ex) when (!_delivered && !_disposed && !cancellationToken.IsCancellationRequested && _plan.ShouldRetry(ex, _retries, _attemptDeadline, _attempts))
            {
                call.Dispose();
            }
            catch (RpcException ex) when (Release() && MeshGrpcFailures.WithReason(ex) is { } named)
            {
                throw named;
            }

            await _plan.BackoffAsync(_retries++).ConfigureAwait(false);
            StartAttempt();
        }
    }

    private async Task StartAfterAsync(TimeSpan delay)
    {
        await _plan.DelayAsync(delay).ConfigureAwait(false);
        StartAttempt();
    }

    private void StartAttempt()
    {
        var options = _plan.ForAttempt(out _attemptDeadline);
        Volatile.Write(ref _current, _attempts.Start((Call: this, Options: options), static s => s.Call.Start(s.Options)));
    }

    private AsyncServerStreamingCall<TResponse> Start(CallOptions options) =>
        _continuation(_request, new ClientInterceptorContext<TRequest, TResponse>(_context.Method, _context.Host, options));

    private async Task<Metadata> HeadersAsync()
    {
        await _started.ConfigureAwait(false);
        return await Volatile.Read(ref _current)!.ResponseHeadersAsync.ConfigureAwait(false);
    }

    private Status Status() => (Volatile.Read(ref _current) ?? throw new InvalidOperationException("Unable to get the status: the call has not started.")).GetStatus();

    private Metadata Trailers() => (Volatile.Read(ref _current) ?? throw new InvalidOperationException("Unable to get the trailers: the call has not started.")).GetTrailers();

    /// <summary>Gives the retries held back; true, so it can run in an exception filter.</summary>
    private bool Release()
    {
        _attempts.ReleaseRetries();
        return true;
    }

    private void Dispose()
    {
        _disposed = true;
        _attempts.ReleaseRetries();
        Volatile.Read(ref _current)?.Dispose();
    }
}
