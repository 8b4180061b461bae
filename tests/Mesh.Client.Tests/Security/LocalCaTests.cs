using System.Security.Cryptography.X509Certificates;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Security.Tests;

public sealed class LocalCaTests : IDisposable
{
    private static readonly SpiffeId Reviews = SpiffeId.Parse("spiffe://cluster.local/ns/default/sa/reviews");
    private static readonly SpiffeId Productpage = SpiffeId.Parse("spiffe://cluster.local/ns/default/sa/productpage");
    private readonly TempDirectory _directory = new();

    private string Ca => Path.Combine(_directory.Path, "ca");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Open_TwoProvidersRacingOnOneDirectory_ShareOneCaAndTrustEachOther()
    {
        var time = new TestTimeProvider();
        var start = new TaskCompletionSource();
        var tasks = Enumerable.Range(0, 4).Select(i => Task.Run(
            async () =>
            {
                await start.Task;
                return new LocalCaCertificateProvider(Ca, i % 2 == 0 ? Reviews : Productpage, TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), time, NullLogger.Instance);
            },
            TestContext.Current.CancellationToken)).ToArray();
        start.SetResult();
        var providers = await Task.WhenAll(tasks);
        try
        {
            Assert.Single(Directory.GetFiles(Ca, "root-*.pem"));
            var root = providers[0].Current.Roots.Single();
            foreach (var provider in providers)
            {
                Assert.Equal(root.Thumbprint, provider.Current.Roots.Single().Thumbprint);
            }

            // Each one's certificate verifies against the other's roots.
            Assert.Null(PeerValidator.Verify(providers[0].Current.Certificate, null, providers[1].Current.Roots, time));
            Assert.Null(PeerValidator.Verify(providers[1].Current.Certificate, null, providers[0].Current.Roots, time));
            Assert.Equal(Reviews, providers[0].Current.Identity);
            Assert.Equal(Productpage, providers[1].Current.Identity);
        }
        finally
        {
            foreach (var provider in providers)
            {
                provider.Dispose();
            }
        }
    }

    [Fact]
    public void Open_KeysAreOwnerOnly()
    {
        LocalCa.Open(Ca, TimeProvider.System);
        var key = Assert.Single(Directory.GetFiles(Ca, "root-*.key"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public void IssueLeaf_OneSpiffeUriSan_ServerAndClientAuth_P256_24Hours()
    {
        var time = new TestTimeProvider();
        var ca = LocalCa.Open(Ca, time);
        using var leaf = ca.IssueLeaf(Reviews, TimeSpan.FromHours(24), time);

        Assert.Equal([Reviews.Uri], CertificateIdentity.GetUriNames(leaf));
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.Equal(256, leaf.GetECDsaPublicKey()!.KeySize);
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(time.GetUtcNow().AddHours(24).UtcDateTime, leaf.NotAfter.ToUniversalTime());
        Assert.True(leaf.HasPrivateKey);
        var root = ca.Roots.Single().Certificate;
        Assert.Equal(time.GetUtcNow().AddMinutes(-1).AddDays(3650).UtcDateTime, root.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void Refresh_AtHalfLife_RenewsAndRaisesChanged()
    {
        var time = new TestTimeProvider();
        using var provider = new LocalCaCertificateProvider(Ca, Reviews, TimeSpan.FromHours(24), TimeSpan.FromMinutes(30), time, NullLogger.Instance);
        var first = provider.Current;
        var changes = new List<MeshCredentials>();
        provider.Changed += changes.Add;

        time.Advance(TimeSpan.FromHours(11));
        Assert.Same(first, provider.Current);

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        var renewed = Assert.Single(changes);
        Assert.Same(renewed, provider.Current);
        Assert.NotEqual(first.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        Assert.True(renewed.NotAfter > first.NotAfter);
    }

    [Fact]
    public void Rotate_NewRootTrustedFirst_SignsAfterTheDelay_PruneEndsTheOverlap()
    {
        var time = new TestTimeProvider();
        using var provider = new LocalCaCertificateProvider(Ca, Reviews, TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), time, NullLogger.Instance);
        var before = provider.Current;

        Assert.Equal(2, LocalCa.Rotate(Ca, time));
        time.Advance(TimeSpan.FromSeconds(30));

        // Trusted at the next check, not yet signing: the leaf still comes from root 1, with both roots trusted.
        var trusting = provider.Current;
        Assert.Equal(2, trusting.Roots.Count);
        Assert.Equal(before.Certificate.Issuer, trusting.Certificate.Issuer);

        time.Advance(TimeSpan.FromMinutes(2));
        var rotated = provider.Current;
        Assert.Contains("Mesh local CA 2", rotated.Certificate.Issuer, StringComparison.Ordinal);

        // The overlap: a leaf of the old root still verifies.
        Assert.Null(PeerValidator.Verify(before.Certificate, null, rotated.Roots, time));

        Assert.Equal([1], LocalCa.Prune(Ca, time));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(provider.Current.Roots);
        Assert.NotNull(PeerValidator.Verify(before.Certificate, null, provider.Current.Roots, time));
        Assert.Null(PeerValidator.Verify(provider.Current.Certificate, null, provider.Current.Roots, time));
    }
}
