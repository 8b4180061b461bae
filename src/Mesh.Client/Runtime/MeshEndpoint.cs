using Mesh.Registry;

namespace Mesh.Snapshot;

/// <summary>An endpoint of a cluster: a healthy instance with its shared state.</summary>
internal sealed class MeshEndpoint(ServiceInstance instance, EndpointState state)
{
    public ServiceInstance Instance { get; } = instance;

    public EndpointState State { get; } = state;

    public string Address => Instance.Address;

    public int Port => Instance.Port;

    /// <summary>Gets the host:port form, bracketed for IPv6.</summary>
    public string HostPort { get; } = instance.Address.Contains(':', StringComparison.Ordinal) ? $"[{instance.Address}]:{instance.Port}" : $"{instance.Address}:{instance.Port}";

    public override string ToString() => HostPort;
}
