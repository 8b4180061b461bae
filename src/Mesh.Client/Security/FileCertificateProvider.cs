using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Mesh.Security;

/// <summary>
/// The workload's certificate from PEM files written by another agent (Istio's agent, cert-manager, SPIRE's spiffe-helper),
/// as gRPC's <c>file_watcher</c> certificate provider reads them: polled every refresh interval by content hash (Kubernetes
/// swaps secret files through a symlink, which file watchers miss), reloaded when they change. Files that do not load (a
/// half-written pair, a key that does not match, an expired certificate, no CA) leave the current credentials in force,
/// and the log says why.
/// </summary>
internal sealed partial class FileCertificateProvider : IMeshCertificateProvider
{
    /// <summary>The file names the known agents write, tried in order when only a directory is given.</summary>
    public static readonly (string Chain, string Key, string Ca)[] Conventions =
    [
        ("cert-chain.pem", "key.pem", "root-cert.pem"), // Istio's agent, gRPC file_watcher
        ("tls.crt", "tls.key", "ca.crt"), // cert-manager (a Kubernetes TLS secret)
        ("svid.pem", "svid_key.pem", "svid_bundle.pem"), // SPIRE spiffe-helper
    ];

    private readonly string _chainPath;
    private readonly string _keyPath;
    private readonly string _caPath;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private MeshCredentials _current;
    private ulong _hash;
    private ulong _rejectedHash;

    /// <exception cref="InvalidOperationException">The files do not load; the message says which and why.</exception>
    public FileCertificateProvider(string chainPath, string keyPath, string caPath, TimeSpan refreshInterval, TimeProvider time, ILogger logger)
    {
        _chainPath = chainPath;
        _keyPath = keyPath;
        _caPath = caPath;
        _time = time;
        _logger = logger;
        _hash = Hash();
        _current = Load(out var error) ?? throw new InvalidOperationException($"Mesh:Certificates:Files: {error}");
        Log.Reloaded(_logger, _chainPath, _current.ToString());
        _timer = time.CreateTimer(static s => ((FileCertificateProvider)s!).Refresh(), this, refreshInterval, refreshInterval);
    }

    public string Name => "Files";

    public MeshCredentials Current => Volatile.Read(ref _current);

    public event Action<MeshCredentials>? Changed;

    /// <summary>Finds the files of a known agent in <paramref name="directory"/>; null when none is complete there.</summary>
    public static (string Chain, string Key, string Ca)? Probe(string directory)
    {
        foreach (var (chain, key, ca) in Conventions)
        {
            var paths = (Path.Combine(directory, chain), Path.Combine(directory, key), Path.Combine(directory, ca));
            if (File.Exists(paths.Item1) && File.Exists(paths.Item2) && File.Exists(paths.Item3))
            {
                return paths;
            }
        }

        return null;
    }

    /// <summary>Reloads the files when their content changed.</summary>
    internal void Refresh()
    {
        MeshCredentials? loaded;
        lock (_gate)
        {
            var hash = Hash();
            if (hash == _hash || hash == _rejectedHash)
            {
                return;
            }

            loaded = Load(out var error);
            if (loaded is null)
            {
                // Said once per bad content, not at every poll.
                _rejectedHash = hash;
                Log.Rejected(_logger, _chainPath, _current.ToString(), error!);
                return;
            }

            _hash = hash;
            _rejectedHash = 0;
            Volatile.Write(ref _current, loaded);
            Log.Reloaded(_logger, _chainPath, loaded.ToString());
        }

        Changed?.Invoke(loaded);
    }

    public void Dispose() => _timer.Dispose();

    private ulong Hash()
    {
        var hash = new XxHash64();
        foreach (var path in (string[])[_chainPath, _keyPath, _caPath])
        {
            try
            {
                hash.Append(PemFile.ReadBytes(path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                hash.Append(BitConverter.GetBytes(path.Length));
            }

            hash.Append([0]);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    private MeshCredentials? Load(out string? error)
    {
        try
        {
            var chain = new X509Certificate2Collection();
            var chainPem = PemFile.ReadText(_chainPath);
            chain.ImportFromPem(chainPem);
            if (chain.Count == 0)
            {
                error = $"'{_chainPath}' holds no certificate";
                return null;
            }

            var leaf = X509Certificate2.CreateFromPem(chainPem, PemFile.ReadText(_keyPath));
            var now = _time.GetUtcNow();
            if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            {
                error = $"the certificate in '{_chainPath}' expired at {leaf.NotAfter.ToUniversalTime():u}";
                return null;
            }

            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(PemFile.ReadText(_caPath));
            if (roots.Count == 0)
            {
                error = $"'{_caPath}' holds no certificate";
                return null;
            }

            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < chain.Count; i++)
            {
                intermediates.Add(chain[i]);
            }

            error = null;
            return new MeshCredentials(leaf, intermediates, roots);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            error = $"'{_chainPath}', '{_keyPath}', '{_caPath}': {ex.Message}";
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.CertificateFilesReloaded, LogLevel.Information, "Mesh: loaded the workload certificate from {Path}: {Certificate}")]
        public static partial void Reloaded(ILogger logger, string path, string certificate);

        [LoggerMessage(Telemetry.MeshEventIds.CertificateFilesRejected, LogLevel.Error, "Mesh: the certificate files changed but do not load ({Path}); {Current} stays in force: {Reason}")]
        public static partial void Rejected(ILogger logger, string path, string current, string reason);
    }
}
