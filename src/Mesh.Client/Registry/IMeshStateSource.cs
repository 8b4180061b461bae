using Mesh.Configuration;

namespace Mesh.Registry;

/// <summary>A registry: where documents and instances come from, and a signal when either changes.</summary>
internal interface IMeshStateSource
{
    /// <summary>Raised after the source's state changed; the provider then reads and recompiles.</summary>
    event Action? Changed;

    /// <summary>Reads the current documents (with every parse error) and instances.</summary>
    MeshState Read();
}

/// <summary>The raw state of a registry: documents, errors found parsing them, and instances by service.</summary>
internal sealed record MeshState(
    IReadOnlyList<MeshDocument> Documents,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> Instances);
