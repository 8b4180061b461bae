using Mesh.Snapshot;

namespace Mesh.Runtime;

/// <summary>
/// An endpoint of a cluster at run time: its config and its state (requests in flight, outlier
/// detection's counters and ejection). One object per cluster and address:port, kept across config
/// updates while the endpoint stays in the cluster, so its state survives them.
/// </summary>
internal sealed class MeshEndpoint(EndpointConfig config, EndpointState state)
{
    public MeshEndpoint(EndpointConfig config)
        : this(config, new EndpointState())
    {
    }

    /// <summary>Gets the endpoint's config; replaced in place when only its id, weight or locality changed.</summary>
    public EndpointConfig Config { get; internal set; } = config;

    public EndpointState State { get; } = state;

    public string Address => Config.Address;

    public int Port => Config.Port;

    /// <summary>Gets the host:port form, bracketed for IPv6.</summary>
    public string HostPort { get; } = config.HostPort;

    public override string ToString() => HostPort;
}
