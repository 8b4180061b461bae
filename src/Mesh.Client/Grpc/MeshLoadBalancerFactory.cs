using Grpc.Net.Client.Balancer;
using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>Makes the <c>mesh</c> load balancer, which the mesh resolver selects in its service config with the channel's target.</summary>
internal sealed class MeshLoadBalancerFactory(MeshSnapshotProvider provider, Telemetry.MeshMetrics metrics) : LoadBalancerFactory
{
    // Weak: a balancer lives as long as its channel, and this must not keep it.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<MeshLoadBalancer, object?> _balancers = [];

    public override string Name => MeshGrpcDefaults.Policy;

    /// <summary>Gets the balancers of the channels alive now (for status and tests).</summary>
    public IEnumerable<MeshLoadBalancer> Balancers => _balancers.Select(b => b.Key);

    /// <exception cref="InvalidOperationException">The policy was chosen without the mesh resolver (which names the target).</exception>
    public override LoadBalancer Create(LoadBalancerOptions options)
    {
        var target = options.Configuration.TryGetValue(GrpcTarget.ConfigKey, out var value) && value is string authority ? GrpcTarget.Parse(authority) : null;
        if (target is null)
        {
            throw new InvalidOperationException("Mesh: the 'mesh' load-balancing policy needs a mesh:/// address (its resolver names the target).");
        }

        var balancer = new MeshLoadBalancer(options.Controller, options.LoggerFactory, provider, metrics, target);
        _balancers.AddOrUpdate(balancer, null);
        return balancer;
    }
}
