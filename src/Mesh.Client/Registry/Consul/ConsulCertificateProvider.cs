using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.Registry.Consul;

/// <summary>
/// The workload's certificate from Consul Connect's CA, through the local agent (what Consul's own sidecar proxies do):
/// the leaf of the service from <c>/v1/agent/connect/ca/leaf/SERVICE</c> and the trusted roots from
/// <c>/v1/agent/connect/ca/roots</c>, each followed by a blocking query (<see cref="ConsulWatch{T}"/>: the index, a wait,
/// backoff with jitter). The agent renews the leaf before it expires and issues a new one at once after a root rotation
/// (then its <c>CertPEM</c> holds the leaf and the cross-signed intermediate, both sent in handshakes); every root listed
/// is trusted, the old and the new during a rotation. Each change publishes new credentials for the next handshake.
/// When Consul is unreachable the current credentials stay in force; a warning says when they near their end unrenewed.
/// </summary>
internal sealed partial class ConsulCertificateProvider : IMeshCertificateProvider
{
    /// <summary>Consul's agent renews a leaf between 60 % and 90 % of its life; past 90 % unrenewed, the log warns.</summary>
    private const double RenewalWarning = 0.9;
    private const int RootsQuery = 0;
    private const int LeafQuery = 1;

    private readonly ConsulClient _client;
    private readonly string _service;
    private readonly TimeSpan _wait;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConsulOutage _outage;
    private readonly ConsulWatch<ConnectRoots?> _rootsWatch;
    private readonly ConsulWatch<ConnectLeaf?> _leafWatch;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly ITimer _expiryTimer;
    private ConnectRoots? _roots;
    private ConnectLeaf? _leaf;
    private MeshCredentials? _current;
    private readonly string?[] _lastErrors = new string?[2];
    private string? _rejected;
    private string? _publishedKey;
    private int _disposed;

    /// <param name="client">The local agent's client; owned (disposed) by this provider.</param>
    /// <param name="service">The Consul service name the leaf is for; its SPIFFE ID ends in <c>/svc/SERVICE</c>.</param>
    /// <param name="wait">The blocking queries' wait (Mesh:Consul:WaitTime).</param>
    /// <param name="time">The clock of waits, backoff and expiry warnings.</param>
    /// <param name="logger">The logger.</param>
    public ConsulCertificateProvider(ConsulClient client, string service, TimeSpan wait, TimeProvider time, ILogger logger)
    {
        _client = client;
        _service = service;
        _wait = wait;
        _time = time;
        _logger = logger;
        // The outage is the registry's to log (once, under its category); here it only says why a certificate is not renewed.
        _outage = new ConsulOutage(client.BaseAddress, time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        _rootsWatch = new ConsulWatch<ConnectRoots?>((index, ct) => Remember(client.GetConnectRootsAsync(index, _wait, ct), RootsQuery), OnRoots, _outage, time);
        _leafWatch = new ConsulWatch<ConnectLeaf?>((index, ct) => Remember(client.GetConnectLeafAsync(_service, index, _wait, ct), LeafQuery), OnLeaf, _outage, time);
        _expiryTimer = time.CreateTimer(static s => ((ConsulCertificateProvider)s!).CheckExpiry(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _rootsWatch.Start();
        _leafWatch.Start();
    }

    public string Name => "Consul";

    /// <summary>
    /// Gets the credentials in force. Before Consul's first leaf and roots arrived (only while the host starts, which
    /// waits for them), the read waits for them.
    /// </summary>
    /// <exception cref="InvalidOperationException">Consul has Connect disabled, or the provider was disposed before Consul answered.</exception>
    public MeshCredentials Current => Volatile.Read(ref _current) ?? WaitForFirst();

    /// <inheritdoc/>
    public MeshCredentials? Loaded => Volatile.Read(ref _current);

    /// <summary>Gets a task that completes when the first credentials are published; it fails when Consul has Connect disabled or the provider is disposed first.</summary>
    public Task Ready => _ready.Task;

    public event Action<MeshCredentials>? Changed;

    /// <summary>The last error Consul answered (not an outage) to the leaf or the roots query, for the expiry warnings.</summary>
    internal string? LastError => _lastErrors[LeafQuery] ?? _lastErrors[RootsQuery];

    /// <summary>
    /// Reads Consul's leaf and roots answers as the mesh's credentials: every certificate in <c>CertPEM</c> (the leaf,
    /// then the intermediates sent with it), its <c>EC PRIVATE KEY</c>, and every root in <c>Roots</c>. The leaf's SPIFFE
    /// ID must be in the roots' trust domain (an answer of another cluster than the roots' waits for the other query).
    /// </summary>
    /// <exception cref="FormatException">An answer does not hold what Consul sends; the message says what is missing.</exception>
    internal static MeshCredentials Parse(ConnectLeaf leaf, ConnectRoots roots)
    {
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(leaf.CertPEM);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"Consul's leaf for '{leaf.Service}' (serial {leaf.SerialNumber}): CertPEM does not parse ({ex.Message})", ex);
        }

        if (chain.Count == 0)
        {
            throw new FormatException($"Consul's leaf for '{leaf.Service}' (serial {leaf.SerialNumber}) holds no certificate in CertPEM");
        }

        X509Certificate2 certificate;
        try
        {
            // The first certificate of CertPEM is the leaf; its key is an EC PRIVATE KEY (SEC 1).
            certificate = X509Certificate2.CreateFromPem(leaf.CertPEM, leaf.PrivateKeyPEM);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new FormatException($"Consul's leaf for '{leaf.Service}' (serial {leaf.SerialNumber}): the certificate and PrivateKeyPEM do not load together ({ex.Message})", ex);
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        var trusted = new X509Certificate2Collection();
        foreach (var root in roots.Roots ?? [])
        {
            try
            {
                trusted.ImportFromPem(root.RootCert);
            }
            catch (CryptographicException ex)
            {
                throw new FormatException($"Consul's root '{root.ID}': RootCert does not parse ({ex.Message})", ex);
            }
        }

        if (trusted.Count == 0)
        {
            throw new FormatException("Consul's CA roots list no root certificate (is Connect enabled?)");
        }

        var credentials = new MeshCredentials(certificate, intermediates, trusted, roots.TrustDomain.ToLowerInvariant());
        if (credentials.Identity is not { } identity)
        {
            throw new FormatException($"Consul's leaf for '{leaf.Service}' (serial {leaf.SerialNumber}) carries no SPIFFE ID");
        }

        if (!string.Equals(identity.TrustDomain, credentials.TrustDomain, StringComparison.Ordinal))
        {
            throw new MismatchException($"Consul's leaf {identity.Uri} is not in the trust domain of the roots, '{roots.TrustDomain}'");
        }

        return credentials;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _expiryTimer.Dispose();

        // The loops stop at their next await (their requests are cancelled); nothing waits for them here.
        _ = StopAsync();
        _ready.TrySetException(new ObjectDisposedException(nameof(ConsulCertificateProvider)));
    }

    private async Task StopAsync()
    {
        await _rootsWatch.DisposeAsync().ConfigureAwait(false);
        await _leafWatch.DisposeAsync().ConfigureAwait(false);
        _outage.Dispose();
        _client.Dispose();
    }

    private async Task<ConsulResult<T>> Remember<T>(Task<ConsulResult<T>> query, int kind)
    {
        try
        {
            var result = await query.ConfigureAwait(false);
            _lastErrors[kind] = null;
            return result;
        }
        catch (ConsulException ex) when (!ex.IsUnreachable)
        {
            // Consul answered, with an error (Connect disabled, an ACL, no leader): logged once per distinct answer, not at every retry.
            if (_lastErrors[kind] != ex.Message)
            {
                Log.Refused(_logger, _service, ex.Message);
            }

            _lastErrors[kind] = ex.Message;
            if (ex.Message.Contains("Connect must be enabled", StringComparison.Ordinal) && Volatile.Read(ref _current) is null)
            {
                // Nothing to wait for: the start fails, saying how to fix it.
                _ready.TrySetException(new InvalidOperationException(
                    $"Mesh:Certificates:Source Consul: Consul at {_client.BaseAddress} has Connect disabled ({ex.Message}). Enable Connect on the Consul servers " +
                    "(connect { enabled = true }), or set Mesh:Certificates:Source to LocalCa or Files.", ex));
            }

            throw;
        }
    }

    private MeshCredentials WaitForFirst()
    {
        Log.Waiting(_logger, _service, _client.BaseAddress);
        try
        {
            _ready.Task.GetAwaiter().GetResult();
        }
        catch (ObjectDisposedException ex)
        {
            throw new InvalidOperationException($"Mesh:Certificates:Source Consul: stopped before Consul at {_client.BaseAddress} issued a certificate for '{_service}'", ex);
        }

        return Volatile.Read(ref _current)!;
    }

    private void OnRoots(ConsulResult<ConnectRoots?> result)
    {
        if (!result.Found || result.Value is null)
        {
            Log.Rejected(_logger, _service, Volatile.Read(ref _current)?.ToString() ?? "none", "Consul answered no CA roots (is Connect enabled?)");
            return;
        }

        lock (_gate)
        {
            _roots = result.Value;
        }

        Publish();
    }

    private void OnLeaf(ConsulResult<ConnectLeaf?> result)
    {
        if (!result.Found || result.Value is null)
        {
            Log.Rejected(_logger, _service, Volatile.Read(ref _current)?.ToString() ?? "none", $"Consul answered no leaf certificate for '{_service}'");
            return;
        }

        lock (_gate)
        {
            _leaf = result.Value;
        }

        Publish();
    }

    private void Publish()
    {
        MeshCredentials? published = null;
        MeshCredentials? previous = null;
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 1 || _leaf is not { } leaf || _roots is not { } roots)
            {
                return;
            }

            var key = $"{leaf.SerialNumber}|{leaf.ModifyIndex}|{string.Join(',', (roots.Roots ?? []).Select(r => r.ID))}";
            previous = _current;
            if (previous is not null && key == _publishedKey)
            {
                return;
            }

            try
            {
                published = Parse(leaf, roots);
            }
            catch (MismatchException ex)
            {
                // The two queries answered from two different CAs (an agent that came back as a new cluster): the other follows.
                Log.Inconsistent(_logger, ex.Message);
                return;
            }
            catch (FormatException ex)
            {
                if (_rejected != key)
                {
                    _rejected = key;
                    Log.Rejected(_logger, _service, previous?.ToString() ?? "none", ex.Message);
                }

                return;
            }

            _publishedKey = key;
            Volatile.Write(ref _current, published);
            ArmExpiry(published);
        }

        var rootsText = string.Join(", ", published.Roots.Select(r => r.Subject));
        if (previous is null)
        {
            Log.Loaded(_logger, _service, published.ToString(), published.Intermediates.Count, rootsText);
        }
        else
        {
            Log.Renewed(_logger, _service, published.ToString(), published.Intermediates.Count, rootsText, previous.ToString());
        }

        _ready.TrySetResult();
        if (previous is not null)
        {
            Changed?.Invoke(published);
        }
    }

    /// <summary>Arms the warning for a leaf Consul has not renewed by 90 % of its life, then the error at its end.</summary>
    private void ArmExpiry(MeshCredentials credentials)
    {
        var now = _time.GetUtcNow();
        var warnAt = credentials.NotBefore + ((credentials.NotAfter - credentials.NotBefore) * RenewalWarning);
        var due = (warnAt > now ? warnAt : credentials.NotAfter) - now;
        _expiryTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void CheckExpiry()
    {
        var current = Volatile.Read(ref _current);
        if (current is null || Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var reason = _outage.IsDown ? $"Consul at {_client.BaseAddress} is unreachable" : LastError ?? "Consul has not issued a new one";
        if (now >= current.NotAfter)
        {
            Log.Expired(_logger, current.ToString(), reason);
            return;
        }

        Log.NotRenewed(_logger, current.ToString(), reason);
        _expiryTimer.Change(current.NotAfter - now, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The leaf and the roots come from two different CAs.</summary>
    private sealed class MismatchException(string message) : FormatException(message);

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateLoaded, LogLevel.Information, "Mesh: Consul Connect issued the workload certificate of service '{Service}': {Certificate}, {Intermediates} intermediate(s); roots trusted: {Roots}")]
        public static partial void Loaded(ILogger logger, string service, string certificate, int intermediates, string roots);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateRenewed, LogLevel.Information, "Mesh: Consul Connect's credentials of service '{Service}' changed: {Certificate}, {Intermediates} intermediate(s); roots trusted: {Roots} (was {Previous}); new connections use them")]
        public static partial void Renewed(ILogger logger, string service, string certificate, int intermediates, string roots, string previous);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateRejected, LogLevel.Error, "Mesh: Consul Connect's answer for service '{Service}' does not load; {Current} stays in force: {Reason}")]
        public static partial void Rejected(ILogger logger, string service, string current, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateWaiting, LogLevel.Information, "Mesh: waiting for Consul at {Address} to issue the workload certificate of service '{Service}'")]
        public static partial void Waiting(ILogger logger, string service, Uri address);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateRefused, LogLevel.Error, "Mesh: Consul refused a request for the workload certificate of service '{Service}' or its roots (retried with backoff): {Reason}")]
        public static partial void Refused(ILogger logger, string service, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateNotRenewed, LogLevel.Warning, "Mesh: the workload certificate {Certificate} is past 90 % of its life and not renewed ({Reason}); it stays in force until it expires")]
        public static partial void NotRenewed(ILogger logger, string certificate, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateExpired, LogLevel.Error, "Mesh: the workload certificate {Certificate} expired and Consul issued no other ({Reason}); peers refuse its handshakes until Consul issues a new one")]
        public static partial void Expired(ILogger logger, string certificate, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulCertificateInconsistent, LogLevel.Debug, "Mesh: Consul Connect's leaf and roots answers disagree, waiting for the other: {Reason}")]
        public static partial void Inconsistent(ILogger logger, string reason);
    }
}
