using Mesh.Snapshot;

namespace Mesh.Tests;

/// <summary>A seeded <see cref="System.Random"/> behind <see cref="IMeshRandom"/>, for statistical tests that must be repeatable.</summary>
internal sealed class SeededRandom(int seed) : IMeshRandom
{
#pragma warning disable CA5394 // not security-sensitive: a fixed seed makes statistical tests repeatable
    private readonly Random _random = new(seed);

    public int Next(int maxExclusive) => _random.Next(maxExclusive);
#pragma warning restore CA5394
}
