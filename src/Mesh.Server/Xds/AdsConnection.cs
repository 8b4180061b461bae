using System.Globalization;
using System.Threading.Channels;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Grpc.Core;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// One ADS stream, state of the world. Requests and pushes go through one queue and one loop, so the
/// per-type state needs no lock and responses are written one at a time. Rules (Envoy's xDS protocol,
/// as grpc-js-xds 1.14 applies it): a request whose nonce is not the last sent for its type is stale and
/// ignored; <c>error_detail</c> is a NACK (the client stays on its last ACKed version; that content is not
/// sent again); every response holds every subscribed resource that exists (unknown names are omitted),
/// and is sent when its content version differs from the last sent, or the client asked afresh.
/// </summary>
internal sealed partial class AdsConnection
{
    private readonly XdsStateStore _store;
    private readonly XdsClients _clients;
    private readonly XdsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, XdsTypeState> _types = new(StringComparer.Ordinal);
    private readonly Channel<DiscoveryRequest?> _work = Channel.CreateUnbounded<DiscoveryRequest?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string? _peer;
    private readonly DateTimeOffset _connectedAt;
    private int _pushPending;
    private long _nonce;
    private Node? _node;
    private MeshIdentity _identity;
    private XdsClientStatus _status;

    public AdsConnection(long id, XdsStateStore store, XdsClients clients, XdsMetrics metrics, TimeProvider time, ILogger logger, string? peer)
    {
        Id = id;
        _store = store;
        _clients = clients;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _peer = peer;
        _connectedAt = time.GetUtcNow();
        _identity = XdsNodeIdentity.From(null, store.DefaultNamespace);
        _status = BuildStatus();
    }

    public long Id { get; }

    /// <summary>Gets the stream's state as of its last request or response; one volatile read.</summary>
    public XdsClientStatus Status => Volatile.Read(ref _status);

    public async Task RunAsync(IAsyncStreamReader<DiscoveryRequest> requests, IServerStreamWriter<DiscoveryResponse> responses, CancellationToken cancellationToken)
    {
        _clients.Add(this);
        _store.Updated += OnUpdated;
        var reader = ReadAsync(requests, cancellationToken);
        try
        {
            await foreach (var request in _work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (request is null)
                {
                    Volatile.Write(ref _pushPending, 0);
                    await PushAsync(responses).ConfigureAwait(false);
                }
                else
                {
                    await HandleAsync(request, responses).ConfigureAwait(false);
                }

                Volatile.Write(ref _status, BuildStatus());
            }

            await reader.ConfigureAwait(false);
        }
        finally
        {
            _store.Updated -= OnUpdated;
            _clients.Remove(this);
            Log.Disconnected(_logger, Id, _node?.Id ?? "");
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<DiscoveryRequest> requests, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var request in requests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                _work.Writer.TryWrite(request);
            }

            _work.Writer.TryComplete();
        }
#pragma warning disable CA1031 // the stream ends however the client went away; the loop ends with it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _work.Writer.TryComplete(ex is OperationCanceledException or IOException ? null : ex);
        }
    }

    private void OnUpdated()
    {
        // Coalesced: one push in the queue at a time reads the newest state.
        if (Interlocked.Exchange(ref _pushPending, 1) == 0)
        {
            _work.Writer.TryWrite(null);
        }
    }

    private async Task HandleAsync(DiscoveryRequest request, IServerStreamWriter<DiscoveryResponse> responses)
    {
        if (_node is null && request.Node is { } node)
        {
            // The node comes on the first request of a stream only: it decides the caller's identity for the stream's life.
            _node = node;
            _identity = XdsNodeIdentity.From(node, _store.DefaultNamespace);
            Log.Connected(_logger, Id, node.Id, node.UserAgentName, _identity.Namespace, _peer ?? "");
        }

        if (!XdsTypes.IsKnown(request.TypeUrl))
        {
            Log.UnknownType(_logger, _node?.Id ?? "", request.TypeUrl);
            return;
        }

        if (!_types.TryGetValue(request.TypeUrl, out var state))
        {
            state = new XdsTypeState(request.TypeUrl);
            _types[request.TypeUrl] = state;
        }

        var nonce = request.ResponseNonce;
        if (nonce.Length > 0 && nonce != state.SentNonce)
        {
            Log.StaleNonce(_logger, _node?.Id ?? "", XdsTypes.ShortName(request.TypeUrl), nonce);
            return;
        }

        var names = new HashSet<string>(request.ResourceNames, StringComparer.Ordinal);
        var namesChanged = !names.SetEquals(state.Names);
        state.Names = names;

        if (nonce.Length == 0)
        {
            // A first request, or a new stream after a reconnect carrying the version the client holds.
            state.AckedVersion = request.VersionInfo.Length > 0 ? request.VersionInfo : state.AckedVersion;
            await RespondAsync(state, responses, force: true).ConfigureAwait(false);
            return;
        }

        if (request.ErrorDetail is { } error)
        {
            var rejected = state.SentVersion ?? "";
            state.NackCount++;
            state.NackedVersion = rejected;
            state.LastNack = new XdsNack(rejected, error.Code, error.Message, _time.GetUtcNow());
            state.AckedVersion = request.VersionInfo.Length > 0 ? request.VersionInfo : null;
            _clients.CountNack();
            _metrics.Nacks.Add(1, new KeyValuePair<string, object?>("type", XdsTypes.ShortName(request.TypeUrl)));
            Log.Nack(_logger, _node?.Id ?? "", XdsTypes.ShortName(request.TypeUrl), rejected, request.VersionInfo, error.Message);
        }
        else
        {
            state.AckedVersion = request.VersionInfo;
        }

        if (namesChanged)
        {
            await RespondAsync(state, responses, force: false).ConfigureAwait(false);
        }
    }

    private async Task PushAsync(IServerStreamWriter<DiscoveryResponse> responses)
    {
        var view = _store.Current.ViewFor(_identity);
        foreach (var type in XdsTypes.PushOrder)
        {
            if (_types.TryGetValue(type, out var state) && state.SentNonce is not null)
            {
                await RespondAsync(state, responses, force: false, view).ConfigureAwait(false);
            }
        }
    }

    private async Task RespondAsync(XdsTypeState state, IServerStreamWriter<DiscoveryResponse> responses, bool force, XdsView? view = null)
    {
        view ??= _store.Current.ViewFor(_identity);
        var resources = state.Names.Order(StringComparer.Ordinal).Select(n => view.Get(state.TypeUrl, n)).OfType<XdsResource>().ToArray();

        // A push after a change elsewhere: the view reused every resource this client holds, so nothing to hash or send.
        if (!force && resources.AsSpan().SequenceEqual(state.SentResources, ReferenceEqualityComparer.Instance))
        {
            return;
        }

        var version = XdsVersion.Of(resources);
        if (version == state.NackedVersion)
        {
            // The client rejected exactly this; it keeps its last good version until the config changes.
            Log.NackedVersionHeld(_logger, _node?.Id ?? "", XdsTypes.ShortName(state.TypeUrl), version);
            return;
        }

        if (!force && version == state.SentVersion)
        {
            return;
        }

        var response = new DiscoveryResponse
        {
            VersionInfo = version,
            TypeUrl = state.TypeUrl,
            Nonce = (++_nonce).ToString(CultureInfo.InvariantCulture),
            ControlPlane = new ControlPlane { Identifier = "Mesh.Server" },
        };
        response.Resources.Add(resources.Select(r => r.Resource));
        state.SentVersion = version;
        state.SentNonce = response.Nonce;
        state.SentNames = [.. resources.Select(r => r.Name)];
        state.SentResources = resources;
        await responses.WriteAsync(response).ConfigureAwait(false);
        _metrics.Responses.Add(1, new KeyValuePair<string, object?>("type", XdsTypes.ShortName(state.TypeUrl)));
    }

    private XdsClientStatus BuildStatus() => new(
        Id,
        _node?.Id ?? "",
        _node is null ? null : $"{_node.UserAgentName} {_node.UserAgentVersion}".Trim(),
        _identity.Namespace,
        _identity.Labels,
        _peer,
        _connectedAt,
        [.. XdsTypes.PushOrder.Where(_types.ContainsKey).Select(t => _types[t].ToStatus())]);

    private static partial class Log
    {
        [LoggerMessage(ServerEventIds.ClientConnected, LogLevel.Information, "xDS stream {Stream} opened by node '{NodeId}' ({UserAgent}), namespace {Namespace}, from {Peer}")]
        public static partial void Connected(ILogger logger, long stream, string nodeId, string userAgent, string @namespace, string peer);

        [LoggerMessage(ServerEventIds.ClientDisconnected, LogLevel.Information, "xDS stream {Stream} of node '{NodeId}' closed")]
        public static partial void Disconnected(ILogger logger, long stream, string nodeId);

        [LoggerMessage(ServerEventIds.Nack, LogLevel.Warning, "xDS NACK from node '{NodeId}' for {Type} version {Version} (it stays on {AckedVersion}): {Error}")]
        public static partial void Nack(ILogger logger, string nodeId, string type, string version, string ackedVersion, string error);

        [LoggerMessage(ServerEventIds.StaleNonce, LogLevel.Debug, "xDS request from node '{NodeId}' for {Type} with stale nonce {Nonce} ignored")]
        public static partial void StaleNonce(ILogger logger, string nodeId, string type, string nonce);

        [LoggerMessage(ServerEventIds.UnknownType, LogLevel.Debug, "xDS request from node '{NodeId}' for type {TypeUrl}, which Mesh.Server does not serve")]
        public static partial void UnknownType(ILogger logger, string nodeId, string typeUrl);

        [LoggerMessage(ServerEventIds.NackedVersionHeld, LogLevel.Debug, "Not sending {Type} version {Version} to node '{NodeId}' again: it was NACKed")]
        public static partial void NackedVersionHeld(ILogger logger, string nodeId, string type, string version);
    }
}
