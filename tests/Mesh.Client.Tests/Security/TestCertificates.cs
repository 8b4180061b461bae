using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Security.Tests;

/// <summary>Certificates for refusal tests: from the mesh's CA at another time, or from a CA the mesh does not know.</summary>
internal static class TestCertificates
{
    /// <summary>A leaf of the CA in <paramref name="caDirectory"/> for <paramref name="spiffeId"/>, issued at <paramref name="at"/>.</summary>
    public static X509Certificate2 FromCa(string caDirectory, string spiffeId, TimeSpan lifetime, DateTimeOffset? at = null)
    {
        var time = new FakeTimeProvider(at ?? TimeProvider.System.GetUtcNow());
        var ca = LocalCa.Open(caDirectory, time);
        return ca.IssueLeaf(SpiffeId.Parse(spiffeId), lifetime, time);
    }

    /// <summary>A leaf with no URI SAN at all (a plain TLS certificate) from the CA in <paramref name="caDirectory"/>.</summary>
    public static X509Certificate2 WithoutSpiffeId(string caDirectory)
    {
        var ca = LocalCa.Open(caDirectory, TimeProvider.System);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=plain", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = TimeProvider.System.GetUtcNow();
        using var leaf = request.Create(ca.SignerAt(now).Certificate, now.AddMinutes(-1), now.AddHours(1), RandomNumberGenerator.GetBytes(8));
        return leaf.CopyWithPrivateKey(key);
    }

    /// <summary>A leaf of the CA in <paramref name="caDirectory"/> for <paramref name="spiffeId"/> that expired 30 s after the root began (so before now).</summary>
    public static X509Certificate2 Expired(string caDirectory, string spiffeId)
    {
        var ca = LocalCa.Open(caDirectory, TimeProvider.System);
        var root = ca.Roots[0].Certificate;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=expired", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        request.CertificateExtensions.Add(san.Build(critical: true));
        var start = new DateTimeOffset(root.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        using var leaf = request.Create(root, start, start.AddSeconds(30), RandomNumberGenerator.GetBytes(8));
        return leaf.CopyWithPrivateKey(key);
    }
}
