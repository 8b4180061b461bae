namespace Mesh.Transport;

/// <summary>
/// One mesh connection pool: an <see cref="HttpMessageInvoker"/> over a handler built for one
/// <see cref="TransportSettings"/>, shared by the clusters using those settings. When the last cluster
/// lets it go it is retired: it takes no new requests, and it is disposed when the requests still on
/// it finish (drained), so a settings change never cuts a request short.
/// </summary>
internal sealed class MeshTransport
{
    // Requests in flight in the low bits; the retired flag in the top bit, so that "retired and idle"
    // is one value that exactly one party (the last request out, or Retire itself) observes.
    private const int RetiredFlag = 1 << 30;

    private readonly HttpMessageInvoker _invoker;
    private int _state;
    private int _users;
    private int _disposed;

    public MeshTransport(TransportSettings settings, HttpMessageHandler handler)
    {
        Settings = settings;
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public TransportSettings Settings { get; }

    /// <summary>Gets the number of requests sent through this pool that have not finished.</summary>
    public int InFlight => Volatile.Read(ref _state) & ~RetiredFlag;

    public bool IsRetired => (Volatile.Read(ref _state) & RetiredFlag) != 0;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Counts a request in; false once the pool is retired (the caller reads its cluster's current pool again).</summary>
    public bool TryEnter()
    {
        var state = Volatile.Read(ref _state);
        while ((state & RetiredFlag) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Counts a request out; the last one out of a retired pool disposes it.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _state) == RetiredFlag)
        {
            Dispose();
        }
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _invoker.SendAsync(request, cancellationToken);

    /// <summary>Adds a cluster to the pool's users (under the pool registry's lock).</summary>
    internal void AddUser() => _users++;

    /// <summary>Removes a cluster from the pool's users; returns true when it was the last (under the pool registry's lock).</summary>
    internal bool RemoveUser() => --_users == 0;

    /// <summary>Takes no new requests; disposes now if none is in flight, else when the last finishes.</summary>
    internal void Retire()
    {
        if (Interlocked.Or(ref _state, RetiredFlag) == 0)
        {
            Dispose();
        }
    }

    private void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _invoker.Dispose();
        }
    }

    public override string ToString() => Settings.ToString();
}
