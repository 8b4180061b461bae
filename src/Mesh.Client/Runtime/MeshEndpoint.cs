using Mesh.Snapshot;

namespace Mesh.Runtime;

/// <summary>
/// An endpoint of a cluster at run time: its config and its state (requests in flight, outlier
/// detection's counters and ejection). One object per cluster and address:port, kept across config
/// updates while the endpoint stays in the cluster, so its state survives them.
/// </summary>
internal sealed class MeshEndpoint(EndpointConfig config, EndpointState state)
{
    private string? _http;
    private string? _https;

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

    /// <summary>Returns <c>scheme://host:port</c> for a request in <paramref name="scheme"/>; built once per scheme for http and https.</summary>
    public string UriPrefix(string scheme) =>
        ReferenceEquals(scheme, Uri.UriSchemeHttp) || scheme == Uri.UriSchemeHttp ? _http ??= $"http://{HostPort}"
        : ReferenceEquals(scheme, Uri.UriSchemeHttps) || scheme == Uri.UriSchemeHttps ? _https ??= $"https://{HostPort}"
        : $"{scheme}://{HostPort}";

    public override string ToString() => HostPort;
}
