namespace Mesh.Configuration;

/// <summary>The spec of a PeerAuthentication.</summary>
internal sealed record PeerAuthenticationSpec
{
    /// <summary>Gets the workload labels the policy applies to (<c>selector.matchLabels</c>); null for every workload of the namespace.</summary>
    public IReadOnlyDictionary<string, string>? Selector { get; init; }

    /// <summary>Gets the mode for the workload (<c>mtls.mode</c>); null or UNSET inherits from the parent policy.</summary>
    public string? Mode { get; init; }

    /// <summary>Gets the modes per workload port (<c>portLevelMtls</c>): port number and mode, in port order.</summary>
    public IReadOnlyList<KeyValuePair<int, string>> PortLevelMtls { get; init; } = [];
}
