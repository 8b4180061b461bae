using Grpc.Net.Client.Balancer;

namespace Mesh.Grpc;

/// <summary>The channel's control helper, which also records each subchannel's state in <see cref="SubchannelStates"/> before the balancer hears of it.</summary>
internal sealed class StateTrackingController(IChannelControlHelper inner, SubchannelStates states) : IChannelControlHelper
{
    public Subchannel CreateSubchannel(SubchannelOptions options)
    {
        var subchannel = inner.CreateSubchannel(options);

        // Registered before the balancer registers its own callback, so the state is recorded when the balancer builds a picker.
        subchannel.OnStateChanged(state => states.Set(subchannel, state.State));
        return subchannel;
    }

    public void UpdateState(BalancerState state) => inner.UpdateState(state);

    public void RefreshResolver() => inner.RefreshResolver();
}
