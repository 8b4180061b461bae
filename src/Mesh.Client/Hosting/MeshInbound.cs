using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Configuration;
using Mesh.Security;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>
/// The inbound side of the mesh on Kestrel (what Envoy's inbound listener does): each connection is served as the
/// PeerAuthentication in force for the workload and the local port says, read per connection (a policy change applies
/// to the next connection, no restart). STRICT: mTLS only, the client's certificate chained to the mesh's roots with a
/// SPIFFE ID of the trust domain. PERMISSIVE: the first byte tells a TLS handshake (0x16) from plaintext on the same port,
/// and plaintext HTTP/2 (the <c>PRI *</c> preface, as gRPC clients send) is served as HTTP/2. DISABLE: plaintext only.
/// Each handshake presents the workload's current certificate, so rotation needs no restart.
/// </summary>
internal sealed partial class MeshInbound
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    // A connection that sends nothing is closed when Kestrel would close it: its default keep-alive timeout.
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(130);
    private static readonly byte[] Http2Preface = "PRI"u8.ToArray();

    private readonly MeshSecurity _security;
    private readonly MeshSnapshotProvider? _provider;
    private readonly IOptionsMonitor<MeshOptions> _options;
    private readonly ILogger _logger;
    private (MeshSnapshot? Snapshot, PeerAuthenticationPolicy Policy) _cached = (null, PeerAuthenticationPolicy.Default);
    private long _refused;

    private readonly CancellationToken _stopping;

    public MeshInbound(MeshSecurity security, IOptionsMonitor<MeshOptions> options, ILogger<MeshInbound> logger, MeshSnapshotProvider? provider = null, Microsoft.Extensions.Hosting.IHostApplicationLifetime? lifetime = null)
    {
        _security = security;
        _options = options;
        _logger = logger;
        _provider = provider;
        _stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
    }

    /// <summary>Gets the number of connections refused (no or untrusted certificate, plaintext under STRICT, a failed handshake).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Gets or sets a fixed policy, for hosts without a mesh snapshot; null reads the snapshot's PeerAuthentications.</summary>
    public PeerAuthenticationPolicy? Override { get; set; }

    /// <summary>Gets the PeerAuthentication in force now, resolved once per snapshot.</summary>
    public PeerAuthenticationPolicy CurrentPolicy()
    {
        if (Override is { } fixedPolicy)
        {
            return fixedPolicy;
        }

        var snapshot = _provider?.Current;
        var cached = _cached;
        if (snapshot is null || ReferenceEquals(snapshot, cached.Snapshot))
        {
            return cached.Policy;
        }

        var options = _options.CurrentValue;
        var policy = PeerAuthenticationPolicy.Resolve(snapshot.Documents, options.RootNamespace, snapshot.Identity.Namespace, snapshot.Identity.Labels, snapshot.Identity.Service);
        _cached = (snapshot, policy);
        return policy;
    }

    /// <summary>The connection middleware of one Kestrel endpoint.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> Middleware(ListenOptions listen) => next => context => OnConnectionAsync(context, next, listen.Protocols);

    private async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next, HttpProtocols protocols)
    {
        var port = (context.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        var mode = CurrentPolicy().ModeFor(port);
        var (kind, ended) = await PeekAsync(context).ConfigureAwait(false);
        if (ended)
        {
            return;
        }

        if (mode == PeerAuthenticationModes.Disable || (kind != FirstBytes.Tls && mode == PeerAuthenticationModes.Permissive))
        {
            if (kind == FirstBytes.Http2Preface && protocols.HasFlag(HttpProtocols.Http2))
            {
                // Kestrel serves a plaintext Http1AndHttp2 endpoint as HTTP/1.1 only (dotnet/aspnetcore#56984): say "h2" as ALPN would.
                context.Features.Set<ITlsApplicationProtocolFeature>(new MeshTlsConnectionFeature(null, null, SslApplicationProtocol.Http2.Protocol, SslProtocols.None));
                context.Features.Set<ITlsConnectionFeature>(new MeshTlsConnectionFeature(null, null, SslApplicationProtocol.Http2.Protocol, SslProtocols.None));
            }

            await next(context).ConfigureAwait(false);
            return;
        }

        if (kind != FirstBytes.Tls)
        {
            Refuse(context, port, mode, "plaintext connection");
            return;
        }

        await ServeTlsAsync(context, next, protocols, port, mode).ConfigureAwait(false);
    }

    private async Task ServeTlsAsync(ConnectionContext context, ConnectionDelegate next, HttpProtocols protocols, int port, string mode)
    {
        var credentials = _security.Certificates.Current;
        string? refusal = null;
        SpiffeId? peer = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = credentials.Context,

            // Requested in the handshake: renegotiation for a certificate does not work with HTTP/2.
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = protocols.HasFlag(HttpProtocols.Http2) && protocols.HasFlag(HttpProtocols.Http1)
                ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]
                : protocols.HasFlag(HttpProtocols.Http2) ? [SslApplicationProtocol.Http2] : [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                refusal = _security.CheckMeshPeer(certificate, chain, credentials, [], out peer);
                return refusal is null;
            },
        };

        var ssl = new SslStream(new DuplexPipeStream(context.Transport), leaveInnerStreamOpen: false);
        // A network guard on the wall clock, not logic: a fake clock advanced by hours must not cut handshakes short.
        using (var timeout = new CancellationTokenSource(HandshakeTimeout, TimeProvider.System))
        using (context.ConnectionClosed.Register(static s => ((CancellationTokenSource)s!).Cancel(), timeout))
        {
            try
            {
                await ssl.AuthenticateAsServerAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                Refuse(context, port, mode, refusal ?? $"TLS handshake failed: {ex.Message}");
                return;
            }
        }

        var certificate = ssl.RemoteCertificate as X509Certificate2 ?? (ssl.RemoteCertificate is { } c ? X509CertificateLoader.LoadCertificate(c.GetRawCertData()) : null);
        var feature = new MeshTlsConnectionFeature(certificate, peer, ssl.NegotiatedApplicationProtocol.Protocol, ssl.SslProtocol, peer is null ? null : _security.PrincipalOf(peer, credentials));
        context.Features.Set<ITlsConnectionFeature>(feature);
        context.Features.Set<ITlsApplicationProtocolFeature>(feature);
        context.Features.Set<IMeshPeerIdentityFeature>(feature);
        var transport = context.Transport;
        context.Transport = new SslDuplexPipe(ssl);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            context.Transport = transport;
        }
    }

    private void Refuse(ConnectionContext context, int port, string mode, string reason)
    {
        Interlocked.Increment(ref _refused);
        _security.InboundRefusedOne();
        var remote = context.RemoteEndPoint?.ToString() ?? "?";
        if (reason == "plaintext connection")
        {
            Log.PlaintextRefused(_logger, remote, port, mode);
        }
        else
        {
            Log.HandshakeRefused(_logger, remote, port, mode, reason);
        }

        context.Abort(new ConnectionAbortedException($"Mesh: refused by PeerAuthentication {mode}: {reason}"));
    }

    /// <summary>
    /// Looks at the first bytes without taking them: one byte tells TLS (a handshake record, 0x16); three tell the HTTP/2
    /// preface. The examined position never moves past the start, so Kestrel (or the TLS stream) reads them again.
    /// </summary>
    private async Task<(FirstBytes Kind, bool Ended)> PeekAsync(ConnectionContext context)
    {
        // Until the first bytes, the connection is the mesh's: it ends when the peer closes it (the pipe completes, after
        // any bytes the peer sent before closing, so those are still judged: a cut handshake is refused and counted), when
        // the host stops (a graceful shutdown would otherwise wait for it) or after Kestrel's keep-alive timeout. Not on
        // ConnectionClosed: it fires on the peer's FIN and would cancel the read before the bytes that came with it.
        // Wall clock: a network guard.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        using var timeout = new CancellationTokenSource(FirstBytesTimeout, TimeProvider.System);
        using var link = timeout.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), wait);
        var input = context.Transport.Input;
        var waited = TimeSpan.Zero;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(wait.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var kind = Classify(buffer, out var decided);
                input.AdvanceTo(buffer.Start);
                if (decided || result.IsCompleted || waited >= HandshakeTimeout)
                {
                    return (kind, buffer.IsEmpty && result.IsCompleted);
                }

                // Fewer than 3 bytes that might start "PRI": wait a little for more (rare: clients send the preface in one write).
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, wait.Token).ConfigureAwait(false);
                waited += TimeSpan.FromMilliseconds(5);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException)
        {
            return (FirstBytes.Other, true);
        }
    }

    private static FirstBytes Classify(ReadOnlySequence<byte> buffer, out bool decided)
    {
        decided = true;
        if (buffer.IsEmpty)
        {
            decided = false;
            return FirstBytes.Other;
        }

        var first = buffer.FirstSpan[0];
        if (first == 0x16)
        {
            return FirstBytes.Tls;
        }

        if (first != (byte)'P')
        {
            return FirstBytes.Other;
        }

        Span<byte> head = stackalloc byte[3];
        var available = (int)Math.Min(buffer.Length, 3);
        buffer.Slice(0, available).CopyTo(head);
        if (!head[..available].SequenceEqual(Http2Preface.AsSpan(0, available)))
        {
            return FirstBytes.Other;
        }

        decided = available == 3;
        return FirstBytes.Http2Preface;
    }

    private enum FirstBytes
    {
        Other,
        Tls,
        Http2Preface,
    }

    private sealed class SslDuplexPipe(SslStream stream) : IDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

        public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.InboundHandshakeRefused, LogLevel.Warning, "Mesh: refused the connection from {Remote} to port {Port} (PeerAuthentication {Mode}): {Reason}")]
        public static partial void HandshakeRefused(ILogger logger, string remote, int port, string mode, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.InboundPlaintextRefused, LogLevel.Warning, "Mesh: refused a plaintext connection from {Remote} to port {Port}: PeerAuthentication {Mode} requires mTLS")]
        public static partial void PlaintextRefused(ILogger logger, string remote, int port, string mode);
    }
}
