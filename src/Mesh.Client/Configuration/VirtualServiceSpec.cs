namespace Mesh.Configuration;

/// <summary>The spec of a VirtualService.</summary>
internal sealed record VirtualServiceSpec
{
    /// <summary>Gets the hosts the rules apply to: short names (<c>reviews</c>) or FQDNs.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Gets the gateways the rules apply to; Mesh applies only to <c>mesh</c>.</summary>
    public IReadOnlyList<string> Gateways { get; init; } = [];

    /// <summary>Gets the ordered HTTP routes; the first that matches wins.</summary>
    public IReadOnlyList<HttpRoute> Http { get; init; } = [];

    /// <summary>Gets the namespaces the rules are visible to (<c>*</c> or <c>.</c>).</summary>
    public IReadOnlyList<string> ExportTo { get; init; } = [];
}
