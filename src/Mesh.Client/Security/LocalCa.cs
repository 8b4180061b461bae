using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Security;

/// <summary>
/// The mesh's own CA for one user on one machine (Istio's self-signed <c>istio-ca-secret</c>, kept in a directory): roots
/// are ECDSA P-256, valid 10 years, in files <c>root-N.pem</c> with their keys in <c>root-N.key</c> (mode 0600). Every root
/// in the directory is trusted; the signer is the newest root already valid. A rotation (<see cref="Rotate"/>) adds a root
/// that becomes valid, and so the signer, only after an activation delay: every process trusts it (at its next check)
/// before any certificate it signed is presented, and both roots are trusted until <see cref="Prune"/> ends the overlap.
/// The directory is created on first use under a file lock, so processes starting together agree on one CA.
/// </summary>
internal sealed class LocalCa
{
    /// <summary>The validity of a root.</summary>
    public static readonly TimeSpan RootLifetime = TimeSpan.FromDays(3650);

    // Back-dating covers clock skew between processes, as Consul back-dates ValidAfter by a minute.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(1);
    private const string LockFile = "ca.lock";

    /// <summary>How long after a rotation the new root starts signing: longer than every process's refresh interval (30 s by default).</summary>
    public static readonly TimeSpan DefaultActivationDelay = TimeSpan.FromMinutes(2);

    private LocalCa(string directory, IReadOnlyList<Root> roots, string fingerprint)
    {
        Directory = directory;
        Roots = roots;
        Fingerprint = fingerprint;
    }

    /// <summary>Gets the CA's directory.</summary>
    public string Directory { get; }

    /// <summary>Gets every root in the directory, in number order.</summary>
    public IReadOnlyList<Root> Roots { get; }

    /// <summary>Gets the root that signs new leaves at <paramref name="now"/>: the newest already valid (the oldest when none is).</summary>
    public Root SignerAt(DateTimeOffset now) =>
        Roots.LastOrDefault(r => r.Certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime) ?? Roots[0];

    /// <summary>Gets a digest of the directory's roots; it changes when a root is added or removed.</summary>
    public string Fingerprint { get; }

    /// <summary>Gets the default directory: <c>mesh/ca</c> under the user's local application data (<c>~/.local/share</c> on Linux).</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "mesh", "ca");

    /// <summary>Opens the CA in <paramref name="directory"/>, creating it (one root) when it has none.</summary>
    /// <exception cref="IOException">The directory cannot be created or read, or its lock is held for more than 10 s.</exception>
    public static LocalCa Open(string directory, TimeProvider time)
    {
        CreateDirectory(directory);
        using (AcquireLock(directory))
        {
            if (ListRootNumbers(directory).Count == 0)
            {
                WriteRoot(directory, 1, time.GetUtcNow() - Backdate);
            }

            return Load(directory);
        }
    }

    /// <summary>Reads the CA again; returns this instance when nothing changed.</summary>
    public LocalCa Reload()
    {
        using (AcquireLock(Directory))
        {
            return ComputeFingerprint(Directory) == Fingerprint ? this : Load(Directory);
        }
    }

    /// <summary>Tells whether the directory's roots differ from this instance's, without taking the lock.</summary>
    public bool HasChanged() => ComputeFingerprint(Directory) != Fingerprint;

    /// <summary>
    /// Adds a root, valid (and so the signer) from <paramref name="activationDelay"/> from now; the previous roots stay
    /// trusted until <see cref="Prune"/>.
    /// </summary>
    /// <returns>The number of the new root.</returns>
    public static int Rotate(string directory, TimeProvider time, TimeSpan? activationDelay = null)
    {
        CreateDirectory(directory);
        using (AcquireLock(directory))
        {
            var next = ListRootNumbers(directory).DefaultIfEmpty(0).Max() + 1;
            WriteRoot(directory, next, time.GetUtcNow() + (activationDelay ?? DefaultActivationDelay));
            return next;
        }
    }

    /// <summary>Removes every root older than the signer, ending a rotation's overlap (a root not yet signing stays).</summary>
    /// <returns>The numbers of the roots removed.</returns>
    public static IReadOnlyList<int> Prune(string directory, TimeProvider time)
    {
        using (AcquireLock(directory))
        {
            var signer = Load(directory).SignerAt(time.GetUtcNow()).Number;
            var removed = new List<int>();
            foreach (var number in ListRootNumbers(directory).Where(n => n < signer))
            {
                File.Delete(CertPath(directory, number));
                File.Delete(KeyPath(directory, number));
                removed.Add(number);
            }

            return removed;
        }
    }

    /// <summary>
    /// Issues a workload certificate from the signing root: ECDSA P-256, exactly one URI SAN (the SPIFFE ID), EKU server and
    /// client authentication, valid from a minute ago for <paramref name="lifetime"/> (never past the root's end).
    /// </summary>
    public X509Certificate2 IssueLeaf(SpiffeId identity, TimeSpan lifetime, TimeProvider time)
    {
        var issuer = SignerAt(time.GetUtcNow()).Certificate;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"O=mesh, CN={identity.ServiceAccount ?? "workload"}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = time.GetUtcNow();
        var notAfter = now + lifetime;
        var issuerEnd = new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var issuerStart = new DateTimeOffset(issuer.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = now - Backdate < issuerStart ? issuerStart : now - Backdate;
        using var leaf = request.Create(issuer, notBefore, notAfter < issuerEnd ? notAfter : issuerEnd, RandomNumberGenerator.GetBytes(16));
        return leaf.CopyWithPrivateKey(key);
    }

    /// <summary>Gets the roots as a collection (the trust store of chain building).</summary>
    public X509Certificate2Collection RootCollection() => [.. Roots.Select(r => X509CertificateLoader.LoadCertificate(r.Certificate.RawData))];

    private static LocalCa Load(string directory)
    {
        var roots = new List<Root>();
        foreach (var number in ListRootNumbers(directory))
        {
            try
            {
                roots.Add(new Root(number, X509Certificate2.CreateFromPem(PemFile.ReadText(CertPath(directory, number)), PemFile.ReadText(KeyPath(directory, number)))));
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                // The runtime's message names neither file: say which root is broken.
                throw new IOException($"the local CA in '{directory}': root {number} ('{CertPath(directory, number)}' with '{KeyPath(directory, number)}') does not load: {ex.Message}", ex);
            }
        }

        if (roots.Count == 0)
        {
            throw new IOException($"the local CA in '{directory}' has no root (root-N.pem with root-N.key)");
        }

        return new LocalCa(directory, roots, ComputeFingerprint(directory));
    }

    private static void WriteRoot(string directory, int number, DateTimeOffset notBefore)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"O=mesh, CN=Mesh local CA {number}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var root = request.CreateSelfSigned(notBefore, notBefore + RootLifetime);

        // The key first, so a root whose certificate exists always has its key.
        WriteFile(KeyPath(directory, number), key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteFile(CertPath(directory, number), root.ExportCertificatePem(), secret: false);
    }

    private static List<int> ListRootNumbers(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "root-*.pem")
            .Select(f => Path.GetFileNameWithoutExtension(f)["root-".Length..])
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(i => i > 0)
            .Order()
            .ToList();

    private static string ComputeFingerprint(string directory)
    {
        var text = new StringBuilder();
        foreach (var number in ListRootNumbers(directory))
        {
            text.Append('|').Append(number).Append(':').Append(new FileInfo(CertPath(directory, number)).Length);
        }

        return text.ToString();
    }

    private static string CertPath(string directory, int number) => Path.Combine(directory, $"root-{number}.pem");

    private static string KeyPath(string directory, int number) => Path.Combine(directory, $"root-{number}.key");

    private static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes through a temporary file and a rename, so a reader sees the old content or the new, never half; keys are created 0600.</summary>
    private static void WriteFile(string path, string content, bool secret)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>An exclusive lock on the directory's lock file (an advisory lock on Unix, held by the open handle), waited for up to 10 s.</summary>
    private static FileStream AcquireLock(string directory)
    {
        var path = Path.Combine(directory, LockFile);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 400)
            {
                // Another process (or provider) is creating or rotating the CA: it takes milliseconds.
                Thread.Sleep(25);
            }
        }
    }

    /// <summary>A root of the CA: its number and certificate, with its private key.</summary>
    internal sealed record Root(int Number, X509Certificate2 Certificate);
}
