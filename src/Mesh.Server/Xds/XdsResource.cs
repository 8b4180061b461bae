using Google.Protobuf.WellKnownTypes;

namespace Mesh.Server.Xds;

/// <summary>One translated resource: its name, the packed message, and the hash of its bytes (what versions are made of).</summary>
internal sealed record XdsResource(string Name, Any Resource, ulong Hash);
