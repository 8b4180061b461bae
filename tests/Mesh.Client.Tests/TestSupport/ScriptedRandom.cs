using Mesh.Snapshot;

namespace Mesh.Tests;

/// <summary>
/// An <see cref="IMeshRandom"/> that returns scripted numbers, so weighted and load-balancing
/// choices are exact. With the script used up it returns 0 (the compiler draws round-robin start
/// offsets while building a snapshot, before a test scripts anything).
/// </summary>
internal sealed class ScriptedRandom : IMeshRandom
{
    private readonly Queue<int> _script = new();

    public ScriptedRandom(params int[] script) => Enqueue(script);

    /// <summary>Gets the <c>maxExclusive</c> of every call, in order.</summary>
    public List<int> Calls { get; } = [];

    public int Remaining => _script.Count;

    public void Enqueue(params int[] values)
    {
        foreach (var value in values)
        {
            _script.Enqueue(value);
        }
    }

    public int Next(int maxExclusive)
    {
        Calls.Add(maxExclusive);
        if (_script.Count == 0)
        {
            return 0;
        }

        var value = _script.Dequeue();
        if (value < 0 || value >= maxExclusive)
        {
            throw new InvalidOperationException($"Scripted value {value} is outside [0, {maxExclusive}); the test scripted the wrong number.");
        }

        return value;
    }
}
