namespace Mesh.Snapshot;

/// <summary>
/// The one place the mesh makes randomness: everything else takes an <see cref="IMeshRandom"/> (or,
/// for backoff jitter outside the snapshot, this instance), so tests can fix it.
/// </summary>
internal sealed class SharedMeshRandom : IMeshRandom
{
    public static readonly SharedMeshRandom Instance = new();

    // RS0030 bans Random.Shared in src/ so randomness stays injectable; this is where the injected default comes from.
#pragma warning disable RS0030
    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);

    public double NextDouble() => Random.Shared.NextDouble();
#pragma warning restore RS0030
}
