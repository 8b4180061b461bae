namespace Mesh.Configuration;

/// <summary>
/// A document of a kind a proxyless mesh has no use for, read and set aside rather than refused:
/// Istio's samples put a Gateway (or a Kubernetes Service and Deployment) beside the rules Mesh reads.
/// </summary>
/// <param name="Kind">The document's kind.</param>
/// <param name="Name">Its metadata.name, if it has one.</param>
/// <param name="Source">Where it was read.</param>
/// <param name="Reason">Why Mesh has no use for it.</param>
internal sealed record SkippedDocument(string Kind, string? Name, DocumentSource Source, string Reason)
{
    public override string ToString() => $"skipped {Kind}{(Name is null ? "" : " " + Name)} ({Source}): {Reason}";
}
