using Google.Protobuf.WellKnownTypes;

namespace Mesh.Server.Xds;

/// <summary>One translated resource: its name, the packed message, the hash of its bytes (what versions are made of), and what its translation left out.</summary>
internal sealed record XdsResource(string Name, Any Resource, ulong Hash, IReadOnlyList<string> Notes);
