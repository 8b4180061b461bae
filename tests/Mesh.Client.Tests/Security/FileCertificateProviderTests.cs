using System.Security.Cryptography.X509Certificates;
using Mesh.Tests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Security.Tests;

public sealed class FileCertificateProviderTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestTimeProvider _time = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("cert-chain.pem", "key.pem", "root-cert.pem")]
    [InlineData("tls.crt", "tls.key", "ca.crt")]
    [InlineData("svid.pem", "svid_key.pem", "svid_bundle.pem")]
    public void Probe_KnownLayouts_Found(string chain, string key, string ca)
    {
        WriteFiles("reviews", chain, key, ca);
        Assert.Equal((Path.Combine(_directory.Path, chain), Path.Combine(_directory.Path, key), Path.Combine(_directory.Path, ca)), FileCertificateProvider.Probe(_directory.Path));
    }

    [Fact]
    public void Refresh_FilesChanged_Reloads_BadFilesKeepTheCurrentAndSayWhy()
    {
        var (chain, key, ca) = WriteFiles("reviews");
        var logs = new FakeLogger();
        using var provider = new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, logs);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/reviews", provider.Current.Identity!.Uri);
        var changes = 0;
        provider.Changed += _ => changes++;

        // Unchanged content: nothing happens at the poll.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, changes);

        // New content (another identity, as an agent writes at renewal): reloaded at the next poll.
        WriteFiles("ratings");
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, changes);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/ratings", provider.Current.Identity!.Uri);

        // A key that does not match the certificate (half of a swap): refused, the current one stays, the log says why, once.
        var good = provider.Current;
        var other = Path.Combine(_directory.Path, "other");
        Directory.CreateDirectory(other);
        var (_, otherKey, _) = WriteFiles("details", directory: other);
        File.Copy(otherKey, key, overwrite: true);
        _time.Advance(TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Same(good, provider.Current);
        var rejected = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.CertificateFilesRejected);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("stays in force", rejected.Message, StringComparison.Ordinal);

        // An empty CA bundle: refused too.
        WriteFiles("details");
        File.WriteAllText(ca, "");
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Same(good, provider.Current);
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.CertificateFilesRejected && r.Message.Contains("holds no certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_ExpiredCertificate_FailsNamingTheFile()
    {
        var (chain, key, ca) = WriteFiles("reviews", lifetime: TimeSpan.FromHours(1));
        _time.Advance(TimeSpan.FromHours(2));
        var error = Assert.Throws<InvalidOperationException>(() => new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, new FakeLogger()));
        Assert.Contains("expired", error.Message, StringComparison.Ordinal);
        Assert.Contains(chain, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes a certificate (from a local CA in the test directory), its key and the CA bundle as PEM.</summary>
    private (string Chain, string Key, string Ca) WriteFiles(string account, string chainName = "cert-chain.pem", string keyName = "key.pem", string caName = "root-cert.pem", string? directory = null, TimeSpan? lifetime = null)
    {
        directory ??= _directory.Path;
        var ca = LocalCa.Open(Path.Combine(_directory.Path, "ca"), _time);
        using var leaf = ca.IssueLeaf(SpiffeId.Parse($"spiffe://cluster.local/ns/default/sa/{account}"), lifetime ?? TimeSpan.FromHours(24), _time);
        var chain = Path.Combine(directory, chainName);
        var key = Path.Combine(directory, keyName);
        var bundle = Path.Combine(directory, caName);
        File.WriteAllText(chain, leaf.ExportCertificatePem());
        File.WriteAllText(key, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(bundle, string.Concat(ca.Roots.Select(r => r.Certificate.ExportCertificatePem() + "\n")));
        return (chain, key, bundle);
    }
}
