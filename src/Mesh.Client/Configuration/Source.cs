namespace Mesh.Configuration;

/// <summary>
/// Istio's <c>Source</c> (<c>rules[].from[].source</c>): who sends the request. Every field set must match;
/// within a field any value matches; a <c>not</c> field matches when none of its values does.
/// </summary>
internal sealed record Source
{
    /// <summary>Gets the peer identities (<c>cluster.local/ns/default/sa/productpage</c>), from the mTLS peer certificate.</summary>
    public IReadOnlyList<string> Principals { get; init; } = [];

    /// <summary>Gets the negated <see cref="Principals"/>.</summary>
    public IReadOnlyList<string> NotPrincipals { get; init; } = [];

    /// <summary>Gets the peer namespaces, from the <c>/ns/</c> segment of the peer identity.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Gets the negated <see cref="Namespaces"/>.</summary>
    public IReadOnlyList<string> NotNamespaces { get; init; } = [];

    /// <summary>Gets the peer addresses (IP or CIDR) of the connection.</summary>
    public IReadOnlyList<string> IpBlocks { get; init; } = [];

    /// <summary>Gets the negated <see cref="IpBlocks"/>.</summary>
    public IReadOnlyList<string> NotIpBlocks { get; init; } = [];

    /// <summary>Gets the original client addresses (IP or CIDR), from <c>X-Forwarded-For</c>.</summary>
    public IReadOnlyList<string> RemoteIpBlocks { get; init; } = [];

    /// <summary>Gets the negated <see cref="RemoteIpBlocks"/>.</summary>
    public IReadOnlyList<string> NotRemoteIpBlocks { get; init; } = [];

    /// <summary>Gets a value indicating whether no field is set (Istio refuses an empty source).</summary>
    public bool IsEmpty =>
        Principals.Count + NotPrincipals.Count + Namespaces.Count + NotNamespaces.Count +
        IpBlocks.Count + NotIpBlocks.Count + RemoteIpBlocks.Count + NotRemoteIpBlocks.Count == 0;
}
