namespace Mesh.Server.Xds;

/// <summary>The admin API's view of one connected xDS client.</summary>
internal sealed record XdsClientStatus(
    long Stream,
    string NodeId,
    string? UserAgent,
    string Namespace,
    IReadOnlyDictionary<string, string> Labels,
    string? Peer,
    DateTimeOffset ConnectedAt,
    IReadOnlyList<XdsTypeStatus> Types);
