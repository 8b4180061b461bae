using Mesh.Snapshot;

namespace Mesh.Grpc;

/// <summary>
/// Makes the resolver of an <c>xds:///reviews:9080</c> channel, the target proxyless gRPC writes in other languages: in
/// xDS mode (<c>Mesh:Registry: Xds</c>) the same mesh resolver, whose first resolution subscribes to the target's listener.
/// </summary>
internal sealed class XdsResolverFactory(MeshSnapshotProvider provider) : MeshResolverFactory(provider)
{
    private readonly MeshSnapshotProvider _provider = provider;

    public override string Name => MeshGrpcDefaults.XdsScheme;

    protected override string? ModeRefusal => _provider.DiscoversOnCall
        ? null
        : "Mesh: an xds:/// channel needs the xDS registry (Mesh:Registry 'Xds' and a gRPC bootstrap file); write mesh:///host:port for the configured registry.";
}
