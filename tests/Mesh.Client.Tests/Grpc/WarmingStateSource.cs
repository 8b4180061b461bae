using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Tests;

namespace Mesh.Grpc.Tests;

/// <summary>
/// A registry that knows a service exists but loads its instances only when asked (as the Consul registry subscribes
/// per destination on first use), and only once the test lets it (<see cref="Release"/>).
/// </summary>
internal sealed class WarmingStateSource(ServiceKey service, IReadOnlyList<ServiceInstance> instances) : IMeshStateSource
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MeshState _state = new([], [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>()) { ColdServices = new HashSet<ServiceKey> { service } };
    private int _warms;

    public event Action? Changed;

    /// <summary>Gets the number of times the mesh asked to load the service.</summary>
    public int Warms => Volatile.Read(ref _warms);

    public MeshState Read() => Volatile.Read(ref _state);

    public void Release() => _release.TrySetResult();

    public async Task WarmAsync(ServiceKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _warms);
        await _release.Task.WaitAsync(cancellationToken);
        Volatile.Write(ref _state, new MeshState([], [], TestMesh.ByService(instances)));
        Changed?.Invoke();
    }
}
