using Mesh.Configuration;
using Mesh.Registry;

namespace Mesh.Tests;

/// <summary>An <see cref="IMeshStateSource"/> whose state the test sets, and whose change event the test raises.</summary>
internal sealed class TestStateSource : IMeshStateSource
{
    public TestStateSource(IReadOnlyList<MeshDocument> documents, IEnumerable<ServiceInstance> instances, IReadOnlyList<ConfigError>? errors = null) =>
        State = new MeshState(documents, errors ?? [], TestMesh.ByService(instances));

    public TestStateSource(string yaml, IEnumerable<ServiceInstance> instances)
        : this(string.IsNullOrWhiteSpace(yaml) ? [] : TestMesh.Parse(yaml), instances)
    {
    }

    public event Action? Changed;

    public MeshState State { get; set; }

    public int Reads { get; private set; }

    /// <summary>Gets or sets an exception the next reads throw, as a registry that cannot be reached does.</summary>
    public Exception? ReadError { get; set; }

    public MeshState Read()
    {
        Reads++;
        return ReadError is null ? State : throw ReadError;
    }

    public void RaiseChanged() => Changed?.Invoke();
}
