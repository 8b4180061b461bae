namespace Mesh.Configuration;

/// <summary>One Istio config document (a VirtualService, a DestinationRule, ...), as parsed.</summary>
internal abstract record MeshDocument
{
    /// <summary>Gets the document's apiVersion, such as <c>networking.istio.io/v1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>Gets the document's metadata (name, namespace, labels).</summary>
    public required ObjectMetadata Metadata { get; init; }

    /// <summary>Gets where the document was read from, when it came from a file or a store.</summary>
    public DocumentSource? Source { get; init; }

    /// <summary>Gets the document's kind, such as <c>VirtualService</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Gets a display name for messages: kind, namespace/name and source.</summary>
    public string DisplayName => DocumentRef.Describe(Kind, Metadata.Namespace, Metadata.Name, Source);
}
