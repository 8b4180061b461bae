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
    // Bounded: a client that sends faster than its responses are written (or never reads them) is held by
    // HTTP/2 flow control once the reader waits here, instead of queuing its requests in the server's memory.
    private readonly Channel<DiscoveryRequest?> _work = Channel.CreateBounded<DiscoveryRequest?>(new BoundedChannelOptions(XdsLimits.MaxQueuedRequests) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
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

    /// <summary>Gets the requests read from the stream and not handled yet (at most <see cref="XdsLimits.MaxQueuedRequests"/>, plus a push).</summary>
    public int QueuedRequests => _work.Reader.Count;

    public async Task RunAsync(IAsyncStreamReader<DiscoveryRequest> requests, IServerStreamWriter<DiscoveryResponse> responses, CancellationToken cancellationToken)
    {
        _clients.Add(this);
        _store.Updated += OnUpdated;
        var reader = ReadAsync(requests, cancellationToken);
        try
        {
            await foreach (var request in _work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (request is not null)
                {
                    await HandleAsync(request, responses).ConfigureAwait(false);
                }

                // A null item only wakes the loop; the flag says whether a push is due (its wake-up may not have fit in the queue).
                if (Interlocked.Exchange(ref _pushPending, 0) == 1)
                {
                    await PushAsync(responses).ConfigureAwait(false);
                }

                Volatile.Write(ref _status, BuildStatus());
            }

            await reader.ConfigureAwait(false);
        }
        finally
        {
            // A reader waiting for room in the queue must not outlive the stream.
            _work.Writer.TryComplete();
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
                await _work.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            }

            _work.Writer.TryComplete();
        }
#pragma warning disable CA1031 // the stream ends however the client went away; the loop ends with it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _work.Writer.TryComplete(ex is OperationCanceledException or IOException or ChannelClosedException ? null : ex);
        }
    }

    private void OnUpdated()
    {
        // Coalesced: one push due at a time reads the newest state. When the queue is full the wake-up is
        // dropped, and the loop still sees the flag after the request it handles next.
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
            var identity = XdsNodeIdentity.From(node, _store.DefaultNamespace);
            var identityLength = XdsNodeIdentity.KeyOf(identity).Length;
            if (identityLength > XdsLimits.MaxIdentityLength)
            {
                throw Refuse(StatusCode.InvalidArgument, $"node '{Cut(node.Id)}': metadata NAMESPACE and LABELS take {identityLength} chars; Mesh.Server accepts at most {XdsLimits.MaxIdentityLength}");
            }

            _node = node;
            _identity = identity;
            Log.Connected(_logger, Id, node.Id, node.UserAgentName, _identity.Namespace, _peer ?? "");
        }
        else if (_node is not null && request.Node is { } other && !other.Equals(_node))
        {
            Log.NodeChangeIgnored(_logger, Id, _node.Id, Cut(other.Id));
        }

        if (request.ResourceNames.Count > XdsLimits.MaxResourceNames)
        {
            throw Refuse(StatusCode.InvalidArgument, $"{XdsTypes.ShortName(Cut(request.TypeUrl))} request lists {request.ResourceNames.Count} resource names; Mesh.Server accepts at most {XdsLimits.MaxResourceNames} per request");
        }

        foreach (var name in request.ResourceNames)
        {
            if (name.Length > XdsLimits.MaxResourceNameLength)
            {
                throw Refuse(StatusCode.InvalidArgument, $"{XdsTypes.ShortName(Cut(request.TypeUrl))} request names a resource of {name.Length} chars ('{Cut(name)}...'); Mesh.Server accepts names of at most {XdsLimits.MaxResourceNameLength} chars");
            }
        }

        if (!XdsTypes.IsKnown(request.TypeUrl))
        {
            Log.UnknownType(_logger, _node?.Id ?? "", Cut(request.TypeUrl));
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
            if (nonce == state.NackedNonce)
            {
                // A response is NACKed once: repeats of the same NACK are neither counted nor logged again (a NACK storm costs a lookup each).
                Log.RepeatedNack(_logger, _node?.Id ?? "", XdsTypes.ShortName(request.TypeUrl), nonce);
                return;
            }

            var rejected = state.SentVersion ?? "";
            var message = error.Message.Length > XdsLimits.MaxNackMessageLength ? error.Message[..XdsLimits.MaxNackMessageLength] + "..." : error.Message;
            state.NackCount++;
            state.NackedVersion = rejected;
            state.NackedNonce = nonce;
            state.LastNack = new XdsNack(rejected, error.Code, message, _time.GetUtcNow());
            state.AckedVersion = request.VersionInfo.Length > 0 ? request.VersionInfo : null;
            _clients.CountNack();
            _metrics.Nacks.Add(1, new KeyValuePair<string, object?>("type", XdsTypes.ShortName(request.TypeUrl)));
            Log.Nack(_logger, _node?.Id ?? "", XdsTypes.ShortName(request.TypeUrl), rejected, request.VersionInfo, message);
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
        var view = _store.Current.TryViewFor(_identity)
            ?? throw Refuse(StatusCode.ResourceExhausted, $"Mesh.Server compiles the config for at most {XdsLimits.MaxViews} distinct caller identities (namespace + labels) per state, and every one is taken; node '{Cut(_node?.Id ?? "")}' in namespace '{Cut(_identity.Namespace)}' is refused until the config changes");
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
        view ??= _store.Current.TryViewFor(_identity)
            ?? throw Refuse(StatusCode.ResourceExhausted, $"Mesh.Server compiles the config for at most {XdsLimits.MaxViews} distinct caller identities (namespace + labels) per state, and every one is taken; node '{Cut(_node?.Id ?? "")}' in namespace '{Cut(_identity.Namespace)}' is refused until the config changes");
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

    /// <summary>Ends the stream with a status that names what was wrong, and logs it.</summary>
    private RpcException Refuse(StatusCode code, string message)
    {
        Log.Refused(_logger, Id, code, message);
        return new RpcException(new Status(code, message));
    }

    /// <summary>Cuts client-chosen text to a length fit for logs and error messages.</summary>
    private static string Cut(string text) => text.Length > 100 ? text[..100] : text;

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

        [LoggerMessage(ServerEventIds.StreamRefused, LogLevel.Warning, "xDS stream {Stream} ended with {Code}: {Reason}")]
        public static partial void Refused(ILogger logger, long stream, StatusCode code, string reason);

        [LoggerMessage(ServerEventIds.NodeChangeIgnored, LogLevel.Debug, "xDS stream {Stream} of node '{NodeId}' sent another node '{OtherNodeId}' mid-stream; ignored (the first node decides the stream's identity)")]
        public static partial void NodeChangeIgnored(ILogger logger, long stream, string nodeId, string otherNodeId);

        [LoggerMessage(ServerEventIds.RepeatedNack, LogLevel.Debug, "xDS NACK from node '{NodeId}' for {Type} nonce {Nonce} repeated; ignored")]
        public static partial void RepeatedNack(ILogger logger, string nodeId, string type, string nonce);

        [LoggerMessage(ServerEventIds.NackedVersionHeld, LogLevel.Debug, "Not sending {Type} version {Version} to node '{NodeId}' again: it was NACKed")]
        public static partial void NackedVersionHeld(ILogger logger, string nodeId, string type, string version);
    }
}
