using System.Security.Cryptography.X509Certificates;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Security.Tests;

/// <summary>
/// Hostile certificate files: a huge file or a device is refused by its size, never read whole; a truncated PEM, a
/// key that is not a key and a corrupt local CA root are refused naming the file; Kubernetes' <c>..data</c> symlink
/// swap is followed.
/// </summary>
public sealed class HostileCertificateFilesTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TestTimeProvider _time = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Files_ChainOf100MB_IsRefusedByItsSize()
    {
        var (chain, key, ca) = WriteFiles("reviews", _directory.Path);
        using (var stream = new FileStream(chain, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(100L * 1024 * 1024); // sparse: the test writes no 100 MB
        }

        var error = Assert.Throws<InvalidOperationException>(() => new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, new FakeLogger()));
        Assert.Contains($"'{chain}' is 104857600 bytes; certificate and key files are read up to 1048576 bytes (1 MiB)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_KeySwappedForADeviceThatNeverEnds_IsRefused_CurrentStays()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");
        var (chain, key, ca) = WriteFiles("reviews", _directory.Path);
        var logs = new FakeLogger();
        using var provider = new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, logs);
        var good = provider.Current;

        File.Delete(key);
        File.CreateSymbolicLink(key, "/dev/zero");
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Same(good, provider.Current);
        var rejected = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.CertificateFilesRejected);
        Assert.Contains($"'{key}' is more than 1048576 bytes", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_TruncatedChain_AndAKeyThatIsNotAKey_AreRefusedNamingWhy()
    {
        var (chain, key, ca) = WriteFiles("reviews", _directory.Path);
        var pem = File.ReadAllText(chain);
        File.WriteAllText(chain, pem[..(pem.Length / 2)]);
        var error = Assert.Throws<InvalidOperationException>(() => new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, new FakeLogger()));
        Assert.Equal($"Mesh:Certificates:Files: '{chain}' holds no certificate", error.Message);

        File.WriteAllText(chain, pem);
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        error = Assert.Throws<InvalidOperationException>(() => new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, new FakeLogger()));
        Assert.StartsWith($"Mesh:Certificates:Files: '{chain}', '{key}', '{ca}': ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_KubernetesDataSymlinkSwap_IsFollowed_ABadSwapRefused()
    {
        // As the kubelet writes a secret volume: ..<timestamp>/ holds the files, ..data points at it, each name points into ..data.
        var first = Path.Combine(_directory.Path, "..2026_11_29_1");
        Directory.CreateDirectory(first);
        WriteFiles("reviews", first);
        Directory.CreateSymbolicLink(Path.Combine(_directory.Path, "..data"), "..2026_11_29_1");
        foreach (var name in (string[])["cert-chain.pem", "key.pem", "root-cert.pem"])
        {
            File.CreateSymbolicLink(Path.Combine(_directory.Path, name), Path.Combine("..data", name));
        }

        var (chain, key, ca) = FileCertificateProvider.Probe(_directory.Path)!.Value;
        var logs = new FakeLogger();
        using var provider = new FileCertificateProvider(chain, key, ca, TimeSpan.FromMinutes(1), _time, logs);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/reviews", provider.Current.Identity!.Uri);

        Swap("..2026_11_29_2", directory => WriteFiles("ratings", directory));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("spiffe://cluster.local/ns/default/sa/ratings", provider.Current.Identity!.Uri);

        // A swap to a directory whose key belongs to another certificate: refused, the current one stays.
        var good = provider.Current;
        Swap("..2026_11_29_3", directory =>
        {
            WriteFiles("details", directory);
            var other = Path.Combine(_directory.Path, "other");
            Directory.CreateDirectory(other);
            File.Copy(WriteFiles("productpage", other).Key, Path.Combine(directory, "key.pem"), overwrite: true);
        });
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Same(good, provider.Current);
        Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.CertificateFilesRejected);
    }

    [Fact]
    public void LocalCa_CorruptRoot_OrAKeyThatIsNotAKey_FailsNamingTheRootFiles()
    {
        var directory = Path.Combine(_directory.Path, "ca");
        LocalCa.Open(directory, _time);
        var cert = Path.Combine(directory, "root-1.pem");
        var key = Path.Combine(directory, "root-1.key");
        var goodKey = File.ReadAllText(key);

        File.WriteAllText(key, "this is not a key\n");
        var error = Assert.Throws<IOException>(() => LocalCa.Open(directory, _time));
        Assert.StartsWith($"the local CA in '{directory}': root 1 ('{cert}' with '{key}') does not load: ", error.Message, StringComparison.Ordinal);

        File.WriteAllText(key, goodKey);
        File.WriteAllBytes(cert, [.. Enumerable.Range(0, 4096).Select(i => (byte)i)]);
        error = Assert.Throws<IOException>(() => LocalCa.Open(directory, _time));
        Assert.StartsWith($"the local CA in '{directory}': root 1 ('{cert}' with '{key}') does not load: ", error.Message, StringComparison.Ordinal);

        using (var stream = new FileStream(cert, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(2L * 1024 * 1024);
        }

        error = Assert.Throws<IOException>(() => LocalCa.Open(directory, _time));
        Assert.Equal($"'{cert}' is 2097152 bytes; certificate and key files are read up to 1048576 bytes (1 MiB)", error.Message);
    }

    /// <summary>Writes a new ..timestamp directory, then points ..data at it with one rename, as the kubelet does.</summary>
    private void Swap(string name, Action<string> write)
    {
        var target = Path.Combine(_directory.Path, name);
        Directory.CreateDirectory(target);
        write(target);
        var temp = Path.Combine(_directory.Path, "..data_tmp");
        Directory.CreateSymbolicLink(temp, name);
        Assert.Equal(0, Rename(temp, Path.Combine(_directory.Path, "..data")));
    }

    /// <summary>rename(2): replaces the ..data symlink atomically (Directory.Move refuses an existing target).</summary>
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "rename")]
#pragma warning disable CA2101, SYSLIB1054 // a test's one P/Invoke; paths are ASCII
    private static extern int Rename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPStr)] string from, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPStr)] string to);
#pragma warning restore CA2101, SYSLIB1054

    private (string Chain, string Key, string Ca) WriteFiles(string account, string directory)
    {
        var ca = LocalCa.Open(Path.Combine(_directory.Path, "ca"), _time);
        using var leaf = ca.IssueLeaf(SpiffeId.Parse($"spiffe://cluster.local/ns/default/sa/{account}"), TimeSpan.FromHours(24), _time);
        var chain = Path.Combine(directory, "cert-chain.pem");
        var key = Path.Combine(directory, "key.pem");
        var bundle = Path.Combine(directory, "root-cert.pem");
        File.WriteAllText(chain, leaf.ExportCertificatePem());
        File.WriteAllText(key, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(bundle, string.Concat(ca.Roots.Select(r => r.Certificate.ExportCertificatePem() + "\n")));
        return (chain, key, bundle);
    }
}
