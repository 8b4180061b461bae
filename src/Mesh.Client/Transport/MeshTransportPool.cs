namespace Mesh.Transport;

/// <summary>
/// The mesh's connection pools, by settings (YARP's <c>ForwarderHttpClientFactory</c> reuses a client
/// while its config is equal). A cluster acquires the pool for its settings and releases it when its
/// settings change or it goes; a pool no cluster uses is retired and drained.
/// </summary>
internal sealed class MeshTransportPool(IMeshTransportFactory factory) : IDisposable
{
    private readonly Dictionary<TransportSettings, MeshTransport> _transports = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public MeshTransport Acquire(TransportSettings settings)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_transports.TryGetValue(settings, out var transport))
            {
                transport = new MeshTransport(settings, factory.Create(settings));
                _transports[settings] = transport;
            }

            transport.AddUser();
            return transport;
        }
    }

    public void Release(MeshTransport transport)
    {
        lock (_gate)
        {
            if (transport.RemoveUser() && _transports.Remove(transport.Settings))
            {
                transport.Retire();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var transport in _transports.Values)
            {
                transport.Retire();
            }

            _transports.Clear();
        }
    }
}
