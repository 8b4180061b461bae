using Mesh.Registry;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>The registry of the xDS scale run: a state the harness sets, and a change event it raises, as Consul or the static registry would after a write.</summary>
internal sealed class XdsScaleSource : IMeshStateSource
{
    private MeshState _state;

    public XdsScaleSource(MeshState state) => _state = state;

    public event Action? Changed;

    public MeshState Read() => Volatile.Read(ref _state);

    /// <summary>Puts <paramref name="state"/> in place and tells Mesh.Server, which reads it after its debounce.</summary>
    public void Change(MeshState state)
    {
        Volatile.Write(ref _state, state);
        Changed?.Invoke();
    }
}
