namespace Mesh.Snapshot;

internal sealed class SharedMeshRandom : IMeshRandom
{
    public static readonly SharedMeshRandom Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);
}
