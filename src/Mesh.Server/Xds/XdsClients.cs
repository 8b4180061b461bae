using System.Collections.Concurrent;

namespace Mesh.Server.Xds;

/// <summary>The ADS streams open now, for the admin API (<c>/admin/clients</c>, <c>meshctl status</c>).</summary>
internal sealed class XdsClients
{
    private readonly ConcurrentDictionary<long, AdsConnection> _connections = new();
    private long _nextId;
    private long _nacks;

    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Gets the NACKs received on every stream since start.</summary>
    public long TotalNacks => Interlocked.Read(ref _nacks);

    public void CountNack() => Interlocked.Increment(ref _nacks);

    /// <summary>Gets the number of open streams.</summary>
    public int Count => _connections.Count;

    public void Add(AdsConnection connection) => _connections[connection.Id] = connection;

    public void Remove(AdsConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>Gets the most requests any open stream has read ahead of the one it handles (bounded by <see cref="XdsLimits.MaxQueuedRequests"/>).</summary>
    public int MaxQueuedRequests => _connections.Values.Select(c => c.QueuedRequests).DefaultIfEmpty(0).Max();

    public IReadOnlyList<XdsClientStatus> GetStatus() => [.. _connections.Values.OrderBy(c => c.Id).Select(c => c.Status)];
}
