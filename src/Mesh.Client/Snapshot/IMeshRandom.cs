namespace Mesh.Snapshot;

/// <summary>The randomness of weighted choice and load balancing, injected so tests are exact.</summary>
internal interface IMeshRandom
{
    /// <summary>Returns a number in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);
}
