using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Mesh.Grpc;

/// <summary>
/// The connectivity state of each subchannel of one channel, by address. <see cref="SubchannelsLoadBalancer"/> hands a
/// picker its READY subchannels only; the picker reads this to tell an endpoint still connecting (wait for it) from
/// one that failed (no healthy upstream).
/// </summary>
internal sealed class SubchannelStates
{
    private readonly ConcurrentDictionary<(string Host, int Port), ConnectivityState> _states = new();

    public ConnectivityState? Get(string host, int port) => _states.TryGetValue((host, port), out var state) ? state : null;

    public void Set(Subchannel subchannel, ConnectivityState state)
    {
        foreach (var address in subchannel.GetAddresses())
        {
            if (state == ConnectivityState.Shutdown)
            {
                _states.TryRemove((address.EndPoint.Host, address.EndPoint.Port), out _);
            }
            else
            {
                _states[(address.EndPoint.Host, address.EndPoint.Port)] = state;
            }
        }
    }
}
