namespace Mesh.Configuration;

/// <summary>
/// Istio's <c>Operation</c> (<c>rules[].to[].operation</c>): what the request asks for. Every field set must
/// match; within a field any value matches; a <c>not</c> field matches when none of its values does.
/// </summary>
internal sealed record Operation
{
    /// <summary>Gets the hosts (<c>Host</c> / <c>:authority</c>), compared without regard to case.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Gets the negated <see cref="Hosts"/>.</summary>
    public IReadOnlyList<string> NotHosts { get; init; } = [];

    /// <summary>Gets the ports the request arrived on (the local port), as strings.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    /// <summary>Gets the negated <see cref="Ports"/>.</summary>
    public IReadOnlyList<string> NotPorts { get; init; } = [];

    /// <summary>Gets the HTTP methods (gRPC calls are <c>POST</c>).</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Gets the negated <see cref="Methods"/>.</summary>
    public IReadOnlyList<string> NotMethods { get; init; } = [];

    /// <summary>Gets the paths, without the query (gRPC: <c>/package.Service/Method</c>).</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Gets the negated <see cref="Paths"/>.</summary>
    public IReadOnlyList<string> NotPaths { get; init; } = [];

    /// <summary>Gets a value indicating whether no field is set (Istio refuses an empty operation).</summary>
    public bool IsEmpty =>
        Hosts.Count + NotHosts.Count + Ports.Count + NotPorts.Count + Methods.Count + NotMethods.Count + Paths.Count + NotPaths.Count == 0;
}
