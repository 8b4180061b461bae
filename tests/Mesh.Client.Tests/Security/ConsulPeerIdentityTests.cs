using System.Text.Json;
using Mesh.Client.Tests.Registry.Consul;
using Mesh.Registry.Consul;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Security.Tests;

/// <summary>Peers with Consul Connect certificates: the chain against Consul's roots, Consul's trust domain as an automatic alias, Istio's names.</summary>
public sealed class ConsulPeerIdentityTests : IDisposable
{
    private readonly TestTimeProvider _time = new();
    private readonly FakeConsulConnect _consul;
    private readonly FakeConsulConnect _otherCluster;

    public ConsulPeerIdentityTests()
    {
        _consul = new FakeConsulConnect(_time);
        _otherCluster = new FakeConsulConnect(_time);
    }

    public void Dispose()
    {
        _consul.Dispose();
        _otherCluster.Dispose();
    }

    [Fact]
    public void CheckMeshPeer_ConsulPeer_AcceptedInConsulsTrustDomain_MatchedByIstiosName()
    {
        using var security = Security();
        var own = Credentials(_consul, "productpage");
        var peer = Credentials(_consul, "reviews").Certificate;

        Assert.Null(security.CheckMeshPeer(peer, null, own, ["spiffe://cluster.local/ns/default/sa/reviews"], out var identity));
        Assert.Equal($"spiffe://{FakeConsulConnect.TrustDomain}/ns/default/dc/dc1/svc/reviews", identity!.Uri);
        Assert.Equal("cluster.local/ns/default/sa/reviews", security.PrincipalOf(identity, own));
        Assert.Null(security.CheckMeshPeer(peer, null, own, [identity.Uri], out _));
        Assert.Equal(
            $"identity spiffe://{FakeConsulConnect.TrustDomain}/ns/default/dc/dc1/svc/reviews seen, expected spiffe://cluster.local/ns/default/sa/bookinfo-reviews",
            security.CheckMeshPeer(peer, null, own, ["spiffe://cluster.local/ns/default/sa/bookinfo-reviews"], out _));
    }

    [Fact]
    public void CheckMeshPeer_AnotherClustersCertificate_RefusedByTheChain()
    {
        using var security = Security();

        // Same trust domain text, another CA: Consul's authorize endpoint would not tell; the chain does.
        var refusal = security.CheckMeshPeer(Credentials(_otherCluster, "reviews").Certificate, null, Credentials(_consul, "productpage"), [], out _);
        Assert.StartsWith($"the certificate of spiffe://{FakeConsulConnect.TrustDomain}/ns/default/dc/dc1/svc/reviews does not chain to the mesh's roots", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckMeshPeer_ConsulTrustDomainNotTheSources_Refused_AndPrincipalNotMapped()
    {
        using var security = Security();
        var consul = Credentials(_consul, "productpage");

        // The same roots, but credentials that do not name Consul's trust domain (another source): not an alias then.
        var roots = new MeshCredentials(consul.Certificate, consul.Intermediates, consul.Roots);
        var refusal = security.CheckMeshPeer(Credentials(_consul, "reviews").Certificate, null, roots, [], out var identity);
        Assert.Equal($"identity spiffe://{FakeConsulConnect.TrustDomain}/ns/default/dc/dc1/svc/reviews is in trust domain '{FakeConsulConnect.TrustDomain}', not one of [cluster.local]", refusal);
        Assert.Equal($"{FakeConsulConnect.TrustDomain}/ns/default/sa/reviews", security.PrincipalOf(identity!, roots));
    }

    private MeshSecurity Security() =>
        new(SpiffeId.ForWorkload("cluster.local", "default", "productpage"), ["cluster.local"], () => throw new InvalidOperationException("not used"), _time, NullLogger.Instance);

    private static MeshCredentials Credentials(FakeConsulConnect consul, string service)
    {
        consul.IssueLeaf(service, TimeSpan.FromHours(72));
        return ConsulCertificateProvider.Parse(
            JsonSerializer.Deserialize(consul.LeafJson, ConsulJsonContext.Default.ConnectLeaf)!,
            JsonSerializer.Deserialize(consul.RootsJson(), ConsulJsonContext.Default.ConnectRoots)!);
    }
}
