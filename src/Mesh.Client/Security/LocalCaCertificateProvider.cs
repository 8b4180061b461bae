using Microsoft.Extensions.Logging;

namespace Mesh.Security;

/// <summary>
/// The workload's certificate from the <see cref="LocalCa"/> (Mesh's default source): a leaf issued in-process from the
/// CA.s signing root, renewed at half its life, and issued again at once when the CA's roots change (a rotation by
/// <c>meshctl ca rotate</c> in another process). The CA directory is checked every refresh interval, on the
/// <see cref="TimeProvider"/>'s timer.
/// </summary>
internal sealed partial class LocalCaCertificateProvider : IMeshCertificateProvider
{
    private readonly SpiffeId _identity;
    private readonly TimeSpan _leafLifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private LocalCa _ca;
    private MeshCredentials _current;

    public LocalCaCertificateProvider(string directory, SpiffeId identity, TimeSpan leafLifetime, TimeSpan refreshInterval, TimeProvider time, ILogger logger)
    {
        _identity = identity;
        _leafLifetime = leafLifetime;
        _time = time;
        _logger = logger;
        _ca = LocalCa.Open(directory, time);
        _current = Issue();
        _timer = time.CreateTimer(static s => ((LocalCaCertificateProvider)s!).Refresh(), this, refreshInterval, refreshInterval);
    }

    public string Name => "LocalCa";

    public MeshCredentials Current => Volatile.Read(ref _current);

    public event Action<MeshCredentials>? Changed;

    /// <summary>Renews the leaf when past half its life or when the CA's roots changed; on failure keeps the current one.</summary>
    internal void Refresh()
    {
        MeshCredentials? issued = null;
        lock (_gate)
        {
            try
            {
                var current = _current;
                var rootsChanged = false;
                if (_ca.HasChanged())
                {
                    var ca = _ca.Reload();
                    rootsChanged = !ReferenceEquals(ca, _ca);
                    _ca = ca;
                    if (rootsChanged)
                    {
                        Log.RootsChanged(_logger, _ca.Directory, string.Join(", ", _ca.Roots.Select(r => $"{r.Number} (from {r.Certificate.NotBefore.ToUniversalTime():u})")));
                    }
                }

                // Renewed at half life, when the trusted roots changed, and when a rotated root starts signing.
                var now = _time.GetUtcNow();
                var halfLife = current.NotBefore + ((current.NotAfter - current.NotBefore) / 2);
                var signerChanged = !_ca.SignerAt(now).Certificate.SubjectName.RawData.AsSpan().SequenceEqual(current.Certificate.IssuerName.RawData);
                if (rootsChanged || signerChanged || now >= halfLife)
                {
                    issued = Issue();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                Log.RenewalFailed(_logger, Name, _current.ToString(), ex.Message);
            }
        }

        if (issued is not null)
        {
            Changed?.Invoke(issued);
        }
    }

    public void Dispose() => _timer.Dispose();

    private MeshCredentials Issue()
    {
        var leaf = _ca.IssueLeaf(_identity, _leafLifetime, _time);
        var credentials = new MeshCredentials(leaf, [], _ca.RootCollection());
        Volatile.Write(ref _current, credentials);
        Log.Issued(_logger, Name, credentials.ToString(), _ca.SignerAt(_time.GetUtcNow()).Number);
        return credentials;
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.CertificateIssued, LogLevel.Information, "Mesh: {Source} issued the workload certificate {Certificate} from root {Root}")]
        public static partial void Issued(ILogger logger, string source, string certificate, int root);

        [LoggerMessage(Telemetry.MeshEventIds.CertificateRenewalFailed, LogLevel.Error, "Mesh: {Source} could not renew the workload certificate; {Current} stays in force: {Reason}")]
        public static partial void RenewalFailed(ILogger logger, string source, string current, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.TrustedRootsChanged, LogLevel.Information, "Mesh: the local CA in {Directory} changed; roots trusted: {Roots}")]
        public static partial void RootsChanged(ILogger logger, string directory, string roots);
    }
}
