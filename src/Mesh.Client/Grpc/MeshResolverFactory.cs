using Grpc.Net.Client.Balancer;
using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>Makes the resolver of a <c>mesh:///reviews:9080</c> channel: Grpc.Net.Client finds it in the channel's service provider by its scheme.</summary>
internal class MeshResolverFactory(MeshSnapshotProvider provider) : ResolverFactory
{
    public override string Name => MeshGrpcDefaults.Scheme;

    /// <summary>Gets why this factory's channels cannot resolve in the current mode, or null when they can.</summary>
    protected virtual string? ModeRefusal => null;

    public override Resolver Create(ResolverOptions options)
    {
        var secure = options.ChannelOptions.Credentials is { } credentials && !ReferenceEquals(credentials, global::Grpc.Core.ChannelCredentials.Insecure);
        return new MeshResolver(provider, GrpcTarget.Parse(options.Address, secure), options.LoggerFactory)
        {
            // Without the resolver's service config the channel would fall back to pick_first and bypass every route.
            Refuse = ModeRefusal ?? (options.DisableServiceConfig
                ? "Mesh: a mesh:/// channel routes through the service config its resolver gives; unset GrpcChannelOptions.DisableResolverServiceConfig."
                : null),
        };
    }
}
