using Grpc.Net.Client.Balancer;
using Mesh.Snapshot;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc;

/// <summary>
/// The <c>mesh</c> policy: one subchannel per published endpoint (as <see cref="SubchannelsLoadBalancer"/> keeps them),
/// and a <see cref="MeshPicker"/> over the READY ones that routes each call by the live route table.
/// </summary>
internal sealed class MeshLoadBalancer : SubchannelsLoadBalancer
{
    private readonly MeshSnapshotProvider _provider;
    private readonly Telemetry.MeshMetrics _metrics;
    private readonly GrpcTarget _target;
    private readonly SubchannelStates _states;
    private readonly LogicalUris _uris;
    private IReadOnlyList<Subchannel>? _lastReady;
    private int _pickers;

    public MeshLoadBalancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, MeshSnapshotProvider provider, Telemetry.MeshMetrics metrics, GrpcTarget target)
        : this(controller, loggerFactory, provider, metrics, target, new SubchannelStates())
    {
    }

    private MeshLoadBalancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, MeshSnapshotProvider provider, Telemetry.MeshMetrics metrics, GrpcTarget target, SubchannelStates states)
        : base(new StateTrackingController(controller, states), loggerFactory)
    {
        _provider = provider;
        _metrics = metrics;
        _target = target;
        _states = states;
        _uris = new LogicalUris(target);
    }

    public GrpcTarget Target => _target;

    /// <summary>Gets the number of READY subchannels the current picker picks from.</summary>
    public int ReadySubchannels => Volatile.Read(ref _lastReady)?.Count ?? 0;

    public override void UpdateChannelState(ChannelState state)
    {
        // The base class builds no picker when the addresses did not change. Build one anyway: calls queued while a
        // cluster was loading its instances are picked again by a new picker only.
        var pickers = _pickers;
        base.UpdateChannelState(state);
        if (pickers == _pickers && State == global::Grpc.Core.ConnectivityState.Ready && _lastReady is { } ready)
        {
            Controller.UpdateState(new BalancerState(State, CreatePicker(ready)));
        }
    }

    protected override SubchannelPicker CreatePicker(IReadOnlyList<Subchannel> readySubchannels)
    {
        Volatile.Write(ref _lastReady, readySubchannels);
        _pickers++;
        return new MeshPicker(_provider, _metrics, _target, readySubchannels, _states, _uris);
    }
}
