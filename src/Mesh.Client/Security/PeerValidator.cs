using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>Checks a peer's certificate chain against a given set of roots only (not the machine's trust store).</summary>
internal static class PeerValidator
{
    /// <summary>
    /// Builds the chain of <paramref name="leaf"/> to one of <paramref name="roots"/> (<see cref="X509ChainTrustMode.CustomRootTrust"/>),
    /// with the certificates the peer sent as intermediates, at <paramref name="time"/>'s now, without revocation checks
    /// (mesh certificates are short-lived, as in Istio). Returns null when it chains, else why not.
    /// </summary>
    public static string? Verify(X509Certificate2 leaf, X509Chain? presented, X509Certificate2Collection roots, TimeProvider time)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            for (var i = 1; i < presented.ChainElements.Count; i++)
            {
                chain.ChainPolicy.ExtraStore.Add(presented.ChainElements[i].Certificate);
            }
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToArray();
        return statuses.Length == 0 ? "the chain does not build" : string.Join(", ", statuses);
    }
}
