using Mesh.Configuration;
using Mesh.Registry;

namespace Mesh.Server.Tests.Support;

/// <summary>A registry a test sets by hand and tells when it changed (the debounce tests: Changed fires exactly when the test says).</summary>
internal sealed class FakeStateSource : IMeshStateSource
{
    private MeshState _state = new([], [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>());

    public event Action? Changed;

    public int Reads { get; private set; }

    public MeshState Read()
    {
        Reads++;
        return Volatile.Read(ref _state);
    }

    public void Set(MeshState state) => Volatile.Write(ref _state, state);

    public void RaiseChanged() => Changed?.Invoke();

    /// <summary>A state of one service with instances on 127.0.0.1 at the given ports, and the documents of <paramref name="yaml"/>.</summary>
    public static MeshState State(string service, IEnumerable<int> ports, string? yaml = null)
    {
        var key = new ServiceKey(service, "default");
        var instances = ports.Select(p => new ServiceInstance(key, $"{service}-{p}", "127.0.0.1", p, new Dictionary<string, string> { ["version"] = "v1" })).ToArray();
        var documents = yaml is null ? [] : MeshDocumentParser.Parse(yaml, "test.yaml").Documents;
        return new MeshState(documents, [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> { [key] = instances });
    }
}
