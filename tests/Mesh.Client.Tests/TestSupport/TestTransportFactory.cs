using System.Collections.Concurrent;
using Mesh.Transport;

namespace Mesh.Tests;

/// <summary>
/// The mesh's connection pools, observed: each pool the mesh builds is a <see cref="TrackedHandler"/>
/// over the handler <paramref name="network"/> makes for its settings (a fake network, or a real
/// <see cref="SocketsHttpHandler"/>), so a test can see which pools exist and when one is disposed.
/// </summary>
internal sealed class TestTransportFactory(Func<TransportSettings, HttpMessageHandler> network) : IMeshTransportFactory
{
    private readonly ConcurrentQueue<TrackedHandler> _created = new();

    /// <summary>A factory whose pools all send to one fake network (which they never dispose).</summary>
    public TestTransportFactory(HttpMessageHandler network)
        : this(_ => network)
    {
    }

    /// <summary>A factory of real pools, as the mesh builds them.</summary>
    public static TestTransportFactory Real() => new(static s => SocketsTransportFactory.CreateHandler(s));

    public IReadOnlyCollection<TrackedHandler> Created => _created;

    public HttpMessageHandler Create(TransportSettings settings)
    {
        var handler = new TrackedHandler(settings, network(settings));
        _created.Enqueue(handler);
        return handler;
    }
}

/// <summary>One connection pool the mesh built: its settings, the requests sent through it, and whether it was disposed.</summary>
internal sealed class TrackedHandler(TransportSettings settings, HttpMessageHandler inner) : HttpMessageHandler
{
    // The inner handler is disposed only when it is a real pool of its own (a shared fake network is not).
    private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: inner is SocketsHttpHandler);
    private int _requests;

    public TransportSettings Settings { get; } = settings;

    public bool IsDisposed { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Interlocked.Increment(ref _requests);
        return _inner.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            IsDisposed = true;
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
