using System.Collections.Frozen;
using System.Globalization;
using System.Threading.Channels;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Hosting;
using Mesh.Snapshot;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EnvoyCluster = Envoy.Config.Cluster.V3.Cluster;

namespace Mesh.Registry.Xds;

/// <summary>
/// Mesh.Client in xDS mode: one ADS stream (state of the world) to the server the gRPC bootstrap names, subscribed lazily
/// to the listeners of the hosts this process calls, as proxyless gRPC does: LDS, then the RDS, CDS and EDS resources they
/// reference. Each accepted resource is read into the snapshot's own records; a resource with a field Mesh does not
/// implement is NACKed with the resource and field named, and its last good version stays (gRFC A46). While the server is
/// away the last good state keeps serving, persisted per user so a cold start without the server still routes.
/// </summary>
internal sealed partial class XdsRegistry : IMeshStateSource, IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, TypeState> _types = XdsTypeUrls.Chain.ToDictionary(t => t, t => new TypeState(t), StringComparer.Ordinal);
    private readonly Dictionary<string, ListenerWatch> _watches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (VirtualHostConfig Host, Dictionary<string, ClusterConfig> Clusters)> _lastComplete = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly IMeshRandom _random;
    private readonly ILogger _logger;
    private readonly string _namespace;
    private readonly TimeSpan _resourceTimeout;
    private readonly XdsStateFile _stateFile;
    private readonly Lazy<XdsBootstrap> _bootstrap;
    private Channel<DiscoveryRequest>? _outgoing;
    private bool _nodeSent;
    private Task? _loop;
    private MeshState _state;
    private long _connectedStreams;
    private int _disposed;

    private int _answering;

    /// <summary>Gets 1 while the ADS stream is open and the server has answered on it, else 0 (gRFC A78's grpc.xds_client.connected).</summary>
    public int Connected => Volatile.Read(ref _answering);

    /// <summary>Gets the resources received so far, by short type name (LDS, RDS, CDS, EDS): accepted when <paramref name="valid"/>, else NACKed.</summary>
    public IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ResourceUpdates(bool valid)
    {
        foreach (var type in _types.Values)
        {
            var count = valid ? Interlocked.Read(ref type.ValidUpdates) : Interlocked.Read(ref type.InvalidUpdates);
            yield return new(count, new KeyValuePair<string, object?>("resource_type", XdsTypeUrls.ShortName(type.TypeUrl)));
        }
    }

    public XdsRegistry(IOptions<MeshOptions> options, ILogger<XdsRegistry> logger, TimeProvider? time = null, IMeshRandom? random = null)
    {
        var o = options.Value;
        _namespace = o.Namespace;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _random = random ?? SharedMeshRandom.Instance;
        _resourceTimeout = o.Xds.ResourceTimeout;
        _bootstrap = new Lazy<XdsBootstrap>(() => XdsBootstrap.Load(o.Xds.Bootstrap, Environment.GetEnvironmentVariable));
        _stateFile = new XdsStateFile(o.Xds.SnapshotPath ?? XdsStateFile.DefaultPath(o.Service, o.Namespace));
        _state = Empty;
    }

    public event Action? Changed;

    public bool DiscoversOnCall => true;

    /// <summary>Gets the number of ADS streams opened so far (tests: a restart resubscribes on a new stream).</summary>
    public long ConnectedStreams => Interlocked.Read(ref _connectedStreams);

    internal XdsStateFile StateFile => _stateFile;

    private static MeshState Empty => new([], [], new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>())
    {
        Compiled = new CompiledState(FrozenDictionary<ServiceKey, VirtualHostConfig>.Empty, FrozenDictionary<string, ClusterConfig>.Empty, []),
    };

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        return Task.CompletedTask;
    }

    public MeshState Read()
    {
        EnsureStarted();
        lock (_gate)
        {
            return _state;
        }
    }

    public void Applied(MeshState state)
    {
        List<XdsStateFile.Entry> entries;
        lock (_gate)
        {
            entries = [.. _types.Values.SelectMany(t => t.Resources.Select(r => new XdsStateFile.Entry(t.TypeUrl, r.Key, r.Value.Message.ToByteString().ToBase64())))];
        }

        if (entries.Count > 0)
        {
            _stateFile.Save(entries, _time.GetUtcNow(), _logger);
        }
    }

    public async Task<bool> DiscoverAsync(string authority, CancellationToken cancellationToken)
    {
        if (!MayNameMeshService(authority))
        {
            return false;
        }

        EnsureStarted();
        ListenerWatch watch;
        lock (_gate)
        {
            if (!_watches.TryGetValue(authority, out watch!))
            {
                watch = new ListenerWatch();
                _watches[authority] = watch;
                var lds = _types[XdsTypeUrls.Listener];
                if (lds.Names.Add(authority))
                {
                    Log.Subscribed(_logger, authority);
                    SendLocked(lds);
                }

                UpdateWatchesLocked();
            }
        }

        if (watch.Ready.Task.IsCompleted)
        {
            return await watch.Ready.Task.ConfigureAwait(false);
        }

        try
        {
            return await watch.Ready.Task.WaitAsync(_resourceTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // gRPC's does-not-exist timer: a resource the server never sent is taken not to exist; calls pass through (or fail) from now on.
            Log.DoesNotExist(_logger, authority, _resourceTimeout.TotalSeconds);
            watch.Ready.TrySetResult(false);
            return false;
        }
    }

    public async Task WarmAsync(ServiceKey service, CancellationToken cancellationToken)
    {
        // Never complete synchronously: a caller that finds the cluster still cold asks again, and must not recurse.
        await Task.Yield();
        List<string> names;
        lock (_gate)
        {
            names = [.. _watches.Keys.Where(n => ServiceKey.Parse(HostOf(n), _namespace) == service)];
        }

        foreach (var name in names)
        {
            await DiscoverAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string HostOf(string listener)
    {
        var colon = listener.LastIndexOf(':');
        return colon > 0 && int.TryParse(listener.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _) ? listener[..colon] : listener;
    }

    private void EnsureStarted()
    {
        lock (_gate)
        {
            if (_loop is not null)
            {
                return;
            }

            _ = _bootstrap.Value; // a bad bootstrap fails the start, with the file and field named
            LoadPersistedLocked();
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    /// <summary>A cold start: the last accepted resources serve until the server answers, and their listeners are subscribed again.</summary>
    private void LoadPersistedLocked()
    {
        var entries = _stateFile.TryLoad(out var savedAt, out var error);
        if (entries is null)
        {
            Log.NoPersistedState(_logger, _stateFile.Path, error ?? "no file");
            return;
        }

        foreach (var entry in entries)
        {
            if (_types.TryGetValue(entry.TypeUrl, out var type))
            {
                var any = new Any { TypeUrl = entry.TypeUrl, Value = ByteString.FromBase64(entry.Value) };
                var errors = new List<string>();
                if (Read(type.TypeUrl, any, errors) is { } resource && errors.Count == 0 && resource.Name == entry.Name)
                {
                    type.Resources[entry.Name] = resource;
                    type.Names.Add(entry.Name);
                }
            }
        }

        foreach (var listener in _types[XdsTypeUrls.Listener].Names)
        {
            _watches[listener] = new ListenerWatch();
        }

        UpdateWatchesLocked();
        RebuildLocked();
        Log.ColdStartFromFile(_logger, _stateFile.Path, savedAt, _types[XdsTypeUrls.Listener].Names.Count);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var bootstrap = _bootstrap.Value;
            var answered = false;
            try
            {
                using var channel = GrpcChannel.ForAddress(bootstrap.ServerAddress, new GrpcChannelOptions { Credentials = ChannelCredentials.Insecure });
                var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
                using var call = client.StreamAggregatedResources(cancellationToken: stop);
                var outgoing = Channel.CreateUnbounded<DiscoveryRequest>(new UnboundedChannelOptions { SingleReader = true });
                lock (_gate)
                {
                    _outgoing = outgoing;
                    _nodeSent = false;

                    // A new stream: every subscription again, with the last accepted version and no nonce (the server answers anyway).
                    foreach (var type in _types.Values)
                    {
                        type.Nonce = "";
                        if (type.Names.Count > 0)
                        {
                            SendLocked(type);
                        }
                    }
                }

                Interlocked.Increment(ref _connectedStreams);
                var writer = WriteAsync(call.RequestStream, outgoing.Reader, stop);
                await foreach (var response in call.ResponseStream.ReadAllAsync(stop).ConfigureAwait(false))
                {
                    if (!answered)
                    {
                        answered = true;
                        failures = 0;
                        Volatile.Write(ref _answering, 1);
                        Log.Connected(_logger, bootstrap.ServerUri);
                    }

                    Handle(response);
                }

                outgoing.Writer.TryComplete();
                await writer.ConfigureAwait(false);
                Log.StreamEnded(_logger, bootstrap.ServerUri, "the server closed the stream");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the stream is retried forever; the last good state serves meanwhile
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.StreamFailed(_logger, bootstrap.ServerUri, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _answering, 0);
                lock (_gate)
                {
                    _outgoing?.Writer.TryComplete();
                    _outgoing = null;
                }
            }

            // Back-off with jitter: 1 s doubling to 30 s, each wait between half and all of it.
            failures = answered ? 0 : failures + 1;
            var ceiling = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks << Math.Min(failures, 5)));
            var wait = TimeSpan.FromTicks((ceiling.Ticks / 2) + (ceiling.Ticks / 2 / 1000 * _random.Next(1001)));
            try
            {
                await Task.Delay(wait, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task WriteAsync(IClientStreamWriter<DiscoveryRequest> stream, ChannelReader<DiscoveryRequest> requests, CancellationToken stop)
    {
        try
        {
            await foreach (var request in requests.ReadAllAsync(stop).ConfigureAwait(false))
            {
                await stream.WriteAsync(request, stop).ConfigureAwait(false);
            }

            await stream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
        {
            // The stream ended; the reader reports why.
        }
    }

    /// <summary>Queues the type's current request: its names, last accepted version, last nonce; the node on a stream's first request only.</summary>
    private void SendLocked(TypeState type, Google.Rpc.Status? error = null)
    {
        if (_outgoing is null)
        {
            return;
        }

        var request = new DiscoveryRequest
        {
            TypeUrl = type.TypeUrl,
            VersionInfo = type.Version,
            ResponseNonce = type.Nonce,
            ErrorDetail = error,
        };
        request.ResourceNames.Add(type.Names.Order(StringComparer.Ordinal));
        if (!_nodeSent)
        {
            request.Node = _bootstrap.Value.Node;
            _nodeSent = true;
        }

        _outgoing.Writer.TryWrite(request);
    }

    private void Handle(DiscoveryResponse response)
    {
        Action? changed;
        List<ListenerWatch> ready;
        lock (_gate)
        {
            if (!_types.TryGetValue(response.TypeUrl, out var type))
            {
                Log.UnknownType(_logger, response.TypeUrl);
                return;
            }

            var errors = new List<string>();
            var received = new Dictionary<string, XdsResource>(StringComparer.Ordinal);
            var invalid = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < response.Resources.Count; i++)
            {
                var any = response.Resources[i];
                var resourceErrors = new List<string>();
                var resource = any.TypeUrl == type.TypeUrl ? Read(type.TypeUrl, any, resourceErrors) : null;
                if (any.TypeUrl != type.TypeUrl)
                {
                    resourceErrors.Add($"type_url '{any.TypeUrl}' is not the response's '{type.TypeUrl}'");
                }

                var name = resource?.Name ?? NameOf(type.TypeUrl, any);
                if (!type.Names.Contains(name))
                {
                    continue; // not asked for: ignored, as gRPC does
                }

                if (resourceErrors.Count > 0 || resource is null)
                {
                    invalid.Add(name);
                    errors.Add($"resource index {i} ('{name}'): {XdsTypeUrls.ShortName(type.TypeUrl)} validation failed: [{string.Join("; ", resourceErrors)}]");
                    continue;
                }

                received[name] = resource;
            }

            Interlocked.Add(ref type.ValidUpdates, received.Count);
            Interlocked.Add(ref type.InvalidUpdates, invalid.Count);

            // gRFC A46: the valid resources are taken even when others are rejected; a rejected one keeps its last good version.
            foreach (var (name, resource) in received)
            {
                type.Resources[name] = resource;
            }

            // State of the world: a listener or cluster subscribed but left out of the response is deleted (unless the server opted out, A53).
            if (type.TypeUrl is XdsTypeUrls.Listener or XdsTypeUrls.Cluster && !_bootstrap.Value.IgnoreResourceDeletion)
            {
                foreach (var name in type.Resources.Keys.Where(n => !received.ContainsKey(n) && !invalid.Contains(n)).ToList())
                {
                    type.Resources.Remove(name);
                    Log.Deleted(_logger, XdsTypeUrls.ShortName(type.TypeUrl), name);
                }
            }

            type.Nonce = response.Nonce;
            if (errors.Count == 0 || received.Count > 0)
            {
                type.Version = response.VersionInfo;
            }

            Google.Rpc.Status? status = null;
            if (errors.Count > 0)
            {
                var message = $"xDS response validation errors: [{string.Join("; ", errors)}]";
                status = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = message };
                type.Nacks++;
                type.LastNack = message;
                Log.Nacked(_logger, XdsTypeUrls.ShortName(type.TypeUrl), response.VersionInfo, message);
            }

            SendLocked(type, status);
            UpdateSubscriptionsLocked();
            RebuildLocked();
            ready = CompletedWatchesLocked();
            changed = Changed;
        }

        // The new state is put in force first: a caller woken by its listener's completion routes with it.
        changed?.Invoke();
        foreach (var watch in ready)
        {
            watch.Ready.TrySetResult(true);
        }
    }

    private static string NameOf(string typeUrl, Any any)
    {
        try
        {
            return typeUrl switch
            {
                XdsTypeUrls.Listener => Listener.Parser.ParseFrom(any.Value).Name,
                XdsTypeUrls.RouteConfiguration => RouteConfiguration.Parser.ParseFrom(any.Value).Name,
                XdsTypeUrls.Cluster => EnvoyCluster.Parser.ParseFrom(any.Value).Name,
                _ => ClusterLoadAssignment.Parser.ParseFrom(any.Value).ClusterName,
            };
        }
        catch (InvalidProtocolBufferException)
        {
            return "";
        }
    }

    /// <summary>Parses and reads one resource; null with <paramref name="errors"/> filled when it cannot be used.</summary>
    private static XdsResource? Read(string typeUrl, Any any, List<string> errors)
    {
        try
        {
            switch (typeUrl)
            {
                case XdsTypeUrls.Listener:
                    var listener = Listener.Parser.ParseFrom(any.Value);
                    return XdsResourceReader.ReadListener(listener, errors) is { } l ? new XdsResource(listener.Name, listener, l) : null;
                case XdsTypeUrls.RouteConfiguration:
                    var routes = RouteConfiguration.Parser.ParseFrom(any.Value);
                    return XdsResourceReader.ReadRoutes(routes, errors) is { } r ? new XdsResource(routes.Name, routes, r) : null;
                case XdsTypeUrls.Cluster:
                    var cluster = EnvoyCluster.Parser.ParseFrom(any.Value);
                    return XdsResourceReader.ReadCluster(cluster, errors) is { } c ? new XdsResource(cluster.Name, cluster, c) : null;
                default:
                    var assignment = ClusterLoadAssignment.Parser.ParseFrom(any.Value);
                    return XdsResourceReader.ReadEndpoints(assignment, errors) is { } e ? new XdsResource(assignment.ClusterName, assignment, e) : null;
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            errors.Add($"not a valid message: {ex.Message}");
            return null;
        }
    }

    /// <summary>RDS, CDS and EDS names follow from the accepted resources: a changed set is requested at once.</summary>
    private void UpdateSubscriptionsLocked()
    {
        var listeners = _types[XdsTypeUrls.Listener];
        var routeNames = listeners.Resources.Values.Select(r => ((XdsListener)r.Parsed).RouteConfigName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        SetNamesLocked(_types[XdsTypeUrls.RouteConfiguration], routeNames);

        var tables = listeners.Resources.Values.Select(r => ((XdsListener)r.Parsed).InlineRoutes)
            .Concat(_types[XdsTypeUrls.RouteConfiguration].Resources.Where(r => routeNames.Contains(r.Key)).Select(r => (XdsRouteTable)r.Value.Parsed))
            .OfType<XdsRouteTable>();
        var clusterNames = tables.SelectMany(t => t.ClusterNames).ToHashSet(StringComparer.Ordinal);
        SetNamesLocked(_types[XdsTypeUrls.Cluster], clusterNames);

        var edsNames = _types[XdsTypeUrls.Cluster].Resources.Where(r => clusterNames.Contains(r.Key)).Select(r => ((XdsCluster)r.Value.Parsed).EdsName).ToHashSet(StringComparer.Ordinal);
        SetNamesLocked(_types[XdsTypeUrls.ClusterLoadAssignment], edsNames);
    }

    private void SetNamesLocked(TypeState type, HashSet<string> names)
    {
        if (type.Names.SetEquals(names))
        {
            return;
        }

        type.Names.Clear();
        type.Names.UnionWith(names);
        foreach (var gone in type.Resources.Keys.Where(n => !names.Contains(n)).ToList())
        {
            type.Resources.Remove(gone);
        }

        SendLocked(type);
    }

    /// <summary>Completes the wait of every listener whose chain (LDS, RDS, CDS, EDS) is complete; only for state already in force.</summary>
    private void UpdateWatchesLocked()
    {
        foreach (var watch in CompletedWatchesLocked())
        {
            watch.Ready.TrySetResult(true);
        }
    }

    private List<ListenerWatch> CompletedWatchesLocked()
    {
        var completed = new List<ListenerWatch>();
        foreach (var (name, watch) in _watches.ToList())
        {
            var complete = IsCompleteLocked(name);
            if (!watch.Ready.Task.IsCompleted && complete)
            {
                completed.Add(watch);
            }
            else if (watch.Ready.Task is { IsCompleted: true, Result: true } && !complete)
            {
                // The chain changed (a route now sends to a cluster not received yet): the next call waits for it again.
                _watches[name] = new ListenerWatch();
            }
        }

        return completed;
    }

    private bool IsCompleteLocked(string listenerName)
    {
        if (!_types[XdsTypeUrls.Listener].Resources.TryGetValue(listenerName, out var resource))
        {
            return false;
        }

        var listener = (XdsListener)resource.Parsed;
        var table = listener.InlineRoutes;
        if (table is null)
        {
            if (!_types[XdsTypeUrls.RouteConfiguration].Resources.TryGetValue(listener.RouteConfigName!, out var routes))
            {
                return false;
            }

            table = (XdsRouteTable)routes.Parsed;
        }

        foreach (var clusterName in table.ClusterNames)
        {
            if (!_types[XdsTypeUrls.Cluster].Resources.TryGetValue(clusterName, out var cluster) ||
                !_types[XdsTypeUrls.ClusterLoadAssignment].Resources.ContainsKey(((XdsCluster)cluster.Parsed).EdsName))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds the state the snapshot is made of: per listener its virtual host's routes, and every cluster they reach.</summary>
    private void RebuildLocked()
    {
        var hosts = new Dictionary<ServiceKey, VirtualHostConfig>();
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var (name, resource) in _types[XdsTypeUrls.Listener].Resources.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var listener = (XdsListener)resource.Parsed;
            var table = listener.InlineRoutes ?? (_types[XdsTypeUrls.RouteConfiguration].Resources.TryGetValue(listener.RouteConfigName!, out var r) ? (XdsRouteTable)r.Parsed : null);
            if (table is null)
            {
                continue;
            }

            var service = ServiceKey.Parse(HostOf(name), _namespace);
            var virtualHost = SelectVirtualHost(table, name);
            if (virtualHost is null)
            {
                notes.Add($"listener '{name}': no virtual host of its RouteConfiguration matches '{name}'; its calls find no route");
                hosts.TryAdd(service, new VirtualHostConfig(service, $"xDS listener {name}", ValueList<RouteConfig>.Empty));
                continue;
            }

            var routes = new List<RouteConfig>();
            var own = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
            foreach (var route in virtualHost.Routes)
            {
                var http = route.Http.Timeout is null && listener.MaxStreamDuration is { } d && d > TimeSpan.Zero ? route.Http with { Timeout = d } : route.Http;
                routes.Add(new RouteConfig(route.Name, http, route.Clusters));
                foreach (var clusterName in route.Clusters)
                {
                    own.TryAdd(clusterName, BuildCluster(clusterName, service, route.HashHeader));
                }
            }

            var built = (Host: new VirtualHostConfig(service, $"xDS listener {name} (route configuration {listener.RouteConfigName ?? "inline"}, virtual host {virtualHost.Name})", new ValueList<RouteConfig>(routes)), Clusters: own);
            if (own.Values.Any(c => c.IsCold) && _lastComplete.TryGetValue(name, out var previous))
            {
                // Make before break, as Envoy warms clusters before routes use them: new routes that send to clusters not
                // received yet wait until they are in; until then the listener's last complete routes stay in force.
                built = previous;
            }
            else if (!own.Values.Any(c => c.IsCold))
            {
                _lastComplete[name] = built;
            }

            hosts.TryAdd(service, built.Host);
            foreach (var (clusterName, cluster) in built.Clusters)
            {
                clusters.TryAdd(clusterName, cluster);
            }
        }

        foreach (var gone in _lastComplete.Keys.Where(n => !_types[XdsTypeUrls.Listener].Resources.ContainsKey(n)).ToList())
        {
            _lastComplete.Remove(gone);
        }

        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>();
        foreach (var group in clusters.Values.GroupBy(c => c.Service))
        {
            instances[group.Key] = group.SelectMany(c => c.Endpoints).DistinctBy(e => (e.Address, e.Port))
                .Select(e => new ServiceInstance(group.Key, e.Id, e.Address, e.Port, ObjectMetadata.EmptyMap)).ToArray();
        }

        _state = new MeshState([], [], instances)
        {
            Compiled = new CompiledState(hosts.ToFrozenDictionary(), clusters.ToFrozenDictionary(StringComparer.Ordinal), notes),
        };
    }

    private ClusterConfig BuildCluster(string name, ServiceKey routeService, string? hashHeader)
    {
        var parts = name.Split('|');
        var service = parts.Length == 4 && parts[0] == "outbound" ? ServiceKey.Parse(parts[3], _namespace) : routeService;
        var subset = parts.Length == 4 && parts[2].Length > 0 ? parts[2] : null;
        int? port = parts.Length == 4 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        if (!_types[XdsTypeUrls.Cluster].Resources.TryGetValue(name, out var resource))
        {
            // Not received yet: cold, so the first call waits for it.
            return new ClusterConfig(name, service, subset, port, new TrafficPolicy(), ValueList<EndpointConfig>.Empty, IsCold: true);
        }

        var cluster = (XdsCluster)resource.Parsed;
        var policy = cluster.Policy;
        if (cluster.RingHash)
        {
            // Ring hash hashes what the route's hash_policy names (gRFC A42); Mesh keeps the header in the cluster's policy.
            policy = policy with { LoadBalancer = policy.LoadBalancer! with { ConsistentHash = policy.LoadBalancer!.ConsistentHash! with { HttpHeaderName = hashHeader } } };
        }

        var endpoints = _types[XdsTypeUrls.ClusterLoadAssignment].Resources.TryGetValue(cluster.EdsName, out var eds) ? ((XdsEndpoints)eds.Parsed).Endpoints : null;
        return new ClusterConfig(name, service, subset, port, policy, endpoints ?? ValueList<EndpointConfig>.Empty, IsCold: endpoints is null);
    }

    /// <summary>gRPC's virtual host selection: an exact domain, then the longest suffix (<c>*.x</c>) or prefix (<c>x.*</c>) wildcard, then <c>*</c>.</summary>
    private static XdsVirtualHost? SelectVirtualHost(XdsRouteTable table, string authority)
    {
        XdsVirtualHost? best = null;
        var bestScore = -1;
        foreach (var host in table.VirtualHosts)
        {
            foreach (var domain in host.Domains)
            {
                var score = domain == "*" ? 0
                    : string.Equals(domain, authority, StringComparison.OrdinalIgnoreCase) ? int.MaxValue
                    : domain.StartsWith('*') && authority.EndsWith(domain[1..], StringComparison.OrdinalIgnoreCase) ? 2 * domain.Length
                    : domain.EndsWith('*') && authority.StartsWith(domain[..^1], StringComparison.OrdinalIgnoreCase) ? (2 * domain.Length) - 1
                    : -1;
                if (score > bestScore)
                {
                    best = host;
                    bestScore = score;
                }
            }
        }

        return best;
    }

    /// <summary>Gets the NACK count and last NACK message of a type (tests, diagnostics).</summary>
    internal (int Nacks, string? LastNack, string Version) Status(string typeUrl)
    {
        lock (_gate)
        {
            var type = _types[typeUrl];
            return (type.Nacks, type.LastNack, type.Version);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Resolved both as itself and as the IMeshStateSource, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private sealed class TypeState(string typeUrl)
    {
        public string TypeUrl { get; } = typeUrl;

        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, XdsResource> Resources { get; } = new(StringComparer.Ordinal);

        public string Version { get; set; } = "";

        public string Nonce { get; set; } = "";

        public int Nacks { get; set; }

        /// <summary>Gets or sets how many resources of this type were received and accepted (gRFC A78's resource_updates_valid).</summary>
        public long ValidUpdates;

        /// <summary>Gets or sets how many resources of this type were received and NACKed (gRFC A78's resource_updates_invalid).</summary>
        public long InvalidUpdates;

        public string? LastNack { get; set; }
    }

    private sealed class ListenerWatch
    {
        public TaskCompletionSource<bool> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record XdsResource(string Name, IMessage Message, object Parsed);

    /// <summary>
    /// Whether an HttpClient host may name a mesh service, so is worth a listener subscription: a short name (<c>ratings</c>)
    /// or Istio's forms (<c>ratings.ns</c>, <c>ratings.ns.svc</c>, <c>ratings.ns.svc.cluster.local</c>), with or without a
    /// port. IP literals, <c>localhost</c> and other DNS names (<c>api.example.com</c>) pass through at once instead of
    /// waiting out the does-not-exist timer, and cannot grow the subscription list.
    /// </summary>
    internal static bool MayNameMeshService(string authority)
    {
        var host = authority;
        var colon = host.LastIndexOf(':');
        if (colon > 0 && !host.Contains(']', StringComparison.Ordinal) && host.IndexOf(':') == colon)
        {
            host = host[..colon];
        }

        if (host.Length == 0 || host.Length > 253 || host.StartsWith('[') || System.Net.IPAddress.TryParse(host, out _)
            || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return ServiceKey.Parse(host, "default").Namespace.Length > 0;
    }
}
