namespace Mesh.Server.Xds;

/// <summary>The admin API's view of one resource type on one stream.</summary>
internal sealed record XdsTypeStatus(
    string Type,
    string TypeUrl,
    IReadOnlyList<string> Subscribed,
    IReadOnlyList<string> Sent,
    string? SentVersion,
    string? AckedVersion,
    long NackCount,
    XdsNack? LastNack);
