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
}
