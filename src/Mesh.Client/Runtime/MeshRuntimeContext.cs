using Mesh.Snapshot;
using Mesh.Transport;

namespace Mesh.Runtime;

/// <summary>What every cluster's runtime state is built with: the caller, time, randomness and the connection pools.</summary>
internal sealed record MeshRuntimeContext(MeshIdentity Identity, TimeProvider Time, IMeshRandom Random, MeshTransportPool Transports);
