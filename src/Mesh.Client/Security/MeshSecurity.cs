using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Snapshot;
using Microsoft.Extensions.Logging;

namespace Mesh.Security;

/// <summary>
/// The workload's security context: its SPIFFE ID, the trust domains it accepts, and its certificate source (created on
/// first use). It opens the mesh's TLS connections (<see cref="ConnectAsync"/>, the transport's connect callback) and
/// checks peers' certificates, inbound and outbound. Failures are counted here (simple counters; metrics read them).
/// </summary>
internal sealed partial class MeshSecurity : IDisposable
{
    private readonly Lazy<IMeshCertificateProvider> _provider;
    private readonly ConcurrentDictionary<(string Cert, string Key), SslStreamCertificateContext> _fileClientCertificates = new();
    private readonly ConcurrentDictionary<string, X509Certificate2Collection> _fileRoots = new();
    private readonly ILogger _logger;
    private long _upstreamRejected;
    private long _inboundRefused;

    public MeshSecurity(SpiffeId identity, IReadOnlyCollection<string> trustDomains, Func<IMeshCertificateProvider> provider, TimeProvider time, ILogger logger)
    {
        Identity = identity;
        TrustDomains = trustDomains;
        Time = time;
        _logger = logger;
        _provider = new Lazy<IMeshCertificateProvider>(provider, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets this workload's SPIFFE ID (<c>spiffe://TD/ns/NS/sa/SA</c>).</summary>
    public SpiffeId Identity { get; }

    /// <summary>Gets the trust domains whose identities are accepted: Mesh:TrustDomain and its aliases.</summary>
    public IReadOnlyCollection<string> TrustDomains { get; }

    public TimeProvider Time { get; }

    /// <summary>Gets the certificate source; the first read creates it (the local CA, or loads the files).</summary>
    public IMeshCertificateProvider Certificates => _provider.Value;

    /// <summary>Gets the number of upstream handshakes refused because of the server's certificate or identity.</summary>
    public long UpstreamRejected => Interlocked.Read(ref _upstreamRejected);

    /// <summary>Gets the number of inbound connections refused (no or untrusted client certificate, plaintext under STRICT).</summary>
    public long InboundRefused => Interlocked.Read(ref _inboundRefused);

    internal ILogger Logger => _logger;

    /// <summary>
    /// Opens a connection to the endpoint and secures it as <paramref name="tls"/> says (SocketsHttpHandler's ConnectCallback):
    /// the handler then speaks HTTP/1.1 or HTTP/2 over it as over plaintext, with ALPN chosen from the request. The
    /// workload certificate is read per handshake, so a rotation needs no new pool. A server whose certificate does not chain
    /// to the roots, or whose identity is not one expected, fails the connection (a connect failure, retried as one).
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, UpstreamTls tls, CancellationToken cancellationToken)
    {
        // What the handshake needs is read before connecting: a source or file that fails leaves no socket behind.
        var request = context.InitialRequestMessage;
        var appTls = request.RequestUri?.Scheme == Uri.UriSchemeHttps;
        var endpoint = $"{context.DnsEndPoint.Host}:{context.DnsEndPoint.Port}";
        var http2 = request.Version.Major >= 2 && request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower;
        string? rejection = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = tls.Sni,
            ApplicationProtocols = [http2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (appTls)
        {
            // The application asked for TLS itself (https://): the handler does it; the mesh does not wrap it twice.
        }
        else if (tls.Mode == Configuration.ClientTlsSettings.IstioMutual)
        {
            var credentials = Certificates.Current;
            options.ClientCertificateContext = credentials.Context;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                rejection = CheckMeshPeer(certificate, chain, credentials, tls.SubjectAltNames, out _);
                return rejection is null;
            };
        }
        else
        {
            if (tls.Mode == Configuration.ClientTlsSettings.Mutual)
            {
                options.ClientCertificateContext = _fileClientCertificates.GetOrAdd((tls.ClientCertificate!, tls.PrivateKey!), static k =>
                    SslStreamCertificateContext.Create(X509Certificate2.CreateFromPem(PemFile.ReadText(k.Cert), PemFile.ReadText(k.Key)), null, offline: true));
            }

            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                rejection = CheckTlsPeer(tls, certificate, chain, errors);
                return rejection is null;
            };
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var network = new NetworkStream(socket, ownsSocket: true);
        if (appTls)
        {
            return network;
        }

        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (AuthenticationException ex) when (rejection is not null)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _upstreamRejected);
            var message = $"upstream {endpoint} ({tls.Sni}) refused: {rejection}";
            Log.UpstreamRejected(_logger, endpoint, tls.Mode, rejection);
            throw new AuthenticationException(message, ex);
        }
        catch (Exception ex)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (ex is AuthenticationException or IOException)
            {
                Log.UpstreamTlsFailed(_logger, endpoint, tls.Mode, ex.Message);
            }

            throw;
        }
    }

    /// <summary>
    /// Checks a mesh peer's certificate: it chains to the roots of <paramref name="credentials"/>, carries one SPIFFE ID in an
    /// accepted trust domain (Mesh:TrustDomain, its aliases, and the trust domain of the credentials' CA: Consul Connect's),
    /// and, when <paramref name="expected"/> is not empty, that ID is one of them, compared by namespace and service account
    /// when both are in accepted trust domains (Istio's trust domain aliases; Consul's <c>/svc/S</c> is the service account
    /// <c>S</c>). Returns null when it passes, else why not.
    /// </summary>
    public string? CheckMeshPeer(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, MeshCredentials credentials, IReadOnlyList<string> expected, out SpiffeId? identity)
    {
        identity = null;
        if (certificate is null)
        {
            return "the peer presented no certificate";
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (PeerValidator.Verify(leaf, chain, credentials.Roots, Time) is { } chainError)
        {
            return $"the certificate of {CertificateIdentity.GetSpiffeId(leaf)?.Uri ?? leaf.Subject} does not chain to the mesh's roots ({chainError})";
        }

        identity = CertificateIdentity.GetSpiffeId(leaf);
        if (identity is null)
        {
            var uris = CertificateIdentity.GetUriNames(leaf);
            return $"the certificate carries no single SPIFFE ID (URI SANs: [{string.Join(", ", uris)}])";
        }

        if (!Accepts(identity.TrustDomain, identity.IsConsul, credentials))
        {
            var accepted = credentials.TrustDomain is { } own ? TrustDomains.Append(own).Distinct() : TrustDomains;
            return $"identity {identity.Uri} is in trust domain '{identity.TrustDomain}', not one of [{string.Join(", ", accepted)}]";
        }

        var seen = identity;
        if (expected.Count > 0 && !expected.Any(e => Matches(seen, e, credentials)))
        {
            return $"identity {seen.Uri} seen, expected {string.Join(" or ", expected)}";
        }

        return null;
    }

    /// <summary>
    /// Gets the principal AuthorizationPolicy matches for a peer that passed <see cref="CheckMeshPeer"/>: the SPIFFE ID without
    /// <c>spiffe://</c>; an identity of the credentials' own CA trust domain (Consul Connect's <c>UUID.consul</c>, an
    /// automatic alias) is read in Mesh:TrustDomain, so <c>spiffe://UUID.consul/ns/default/dc/dc1/svc/reviews</c> is
    /// <c>cluster.local/ns/default/sa/reviews</c>, as Istio's policies name it.
    /// </summary>
    public string PrincipalOf(SpiffeId identity, MeshCredentials credentials) =>
        identity.Namespace is { } ns && identity.ServiceAccount is { } account && credentials.TrustDomain is { } own &&
        string.Equals(identity.TrustDomain, own, StringComparison.Ordinal)
            ? $"{Identity.TrustDomain}/ns/{ns}/sa/{account}"
            : identity.Principal;

    /// <summary>Counts and logs an inbound connection refused.</summary>
    public void InboundRefusedOne() => Interlocked.Increment(ref _inboundRefused);

    /// <summary>
    /// The seconds until the workload certificate and each trusted root expire, for <c>mesh.certificate.expiry</c>; nothing
    /// before the source was first used or while it has loaded nothing (reading never waits on the source).
    /// </summary>
    public IEnumerable<System.Diagnostics.Metrics.Measurement<double>> CertificateExpiry()
    {
        if (!_provider.IsValueCreated || _provider.Value.Loaded is not { } credentials)
        {
            yield break;
        }

        var now = Time.GetUtcNow();
        var source = new KeyValuePair<string, object?>("source", _provider.Value.Name);
        yield return new(Seconds(credentials.Certificate), new KeyValuePair<string, object?>("certificate", "workload"), source);
        foreach (var root in credentials.Roots)
        {
            yield return new(Seconds(root), new KeyValuePair<string, object?>("certificate", "root"), new KeyValuePair<string, object?>("serial", root.SerialNumber), source);
        }

        double Seconds(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
            (new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero) - now).TotalSeconds;
    }

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }
    }

    /// <summary>Whether a trust domain is the mesh's, one of its aliases, the credentials' CA's, or Consul's under the <c>consul</c> alias.</summary>
    private bool Accepts(string trustDomain, bool consulForm, MeshCredentials credentials) =>
        TrustDomains.Contains(trustDomain) ||
        string.Equals(trustDomain, credentials.TrustDomain, StringComparison.Ordinal) ||
        (consulForm && TrustDomains.Contains("consul"));

    /// <summary>An identity matches an expected SPIFFE ID exactly, or by namespace and service account with both in accepted trust domains.</summary>
    private bool Matches(SpiffeId identity, string expected, MeshCredentials credentials)
    {
        if (string.Equals(identity.Uri, expected, StringComparison.Ordinal))
        {
            return true;
        }

        return SpiffeId.TryParse(expected, out var want, out _) && want.ServiceAccount is not null &&
            identity.ServiceAccount == want.ServiceAccount && identity.Namespace == want.Namespace &&
            Accepts(want.TrustDomain, want.IsConsul, credentials) && Accepts(identity.TrustDomain, identity.IsConsul, credentials);
    }

    /// <summary>SIMPLE and MUTUAL: the CA file's roots (else the system's), then subjectAltNames (URI or DNS) when listed.</summary>
    private string? CheckTlsPeer(UpstreamTls tls, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (tls.InsecureSkipVerify)
        {
            return null;
        }

        if (certificate is null)
        {
            return "the server presented no certificate";
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (tls.CaCertificates is { } caFile)
        {
            var roots = _fileRoots.GetOrAdd(caFile, static f =>
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(PemFile.ReadText(f));
                return collection;
            });
            if (PeerValidator.Verify(leaf, chain, roots, Time) is { } chainError)
            {
                return $"the certificate does not chain to {caFile} ({chainError})";
            }
        }
        else if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
        {
            return $"the certificate is not trusted by the system ({errors})";
        }

        if (tls.SubjectAltNames.Count > 0)
        {
            var names = CertificateIdentity.GetUriNames(leaf).Concat(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())).ToArray();
            return names.Any(n => tls.SubjectAltNames.Contains(n, StringComparer.OrdinalIgnoreCase))
                ? null
                : $"the certificate names [{string.Join(", ", names)}], expected one of [{string.Join(", ", tls.SubjectAltNames)}]";
        }

        return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? $"the certificate does not name {tls.Sni}" : null;
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.UpstreamPeerRejected, LogLevel.Warning, "Mesh: {Mode} upstream {Endpoint} refused: {Reason}")]
        public static partial void UpstreamRejected(ILogger logger, string endpoint, string mode, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.UpstreamTlsFailed, LogLevel.Warning, "Mesh: {Mode} handshake with upstream {Endpoint} failed: {Reason}")]
        public static partial void UpstreamTlsFailed(ILogger logger, string endpoint, string mode, string reason);
    }
}
