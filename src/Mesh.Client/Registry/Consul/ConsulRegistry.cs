using System.Collections.Concurrent;
using Mesh.Configuration;
using Mesh.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Registry.Consul;

/// <summary>
/// The production registry. Documents: one recursive blocking query on the KV prefix. Services:
/// a blocking query on the catalog's service names, so the mesh knows which hosts are its own.
/// Instances: a blocking query on <c>/v1/health/service/&lt;name&gt;?passing</c> per destination,
/// started on its first call and kept warm after. When Consul is unreachable the last state stays
/// in force; the last good state is persisted so a cold start can route without Consul.
/// </summary>
internal sealed partial class ConsulRegistry : IMeshStateSource, IAsyncDisposable, IDisposable
{
    private readonly ConsulClient _client;
    private readonly ConsulRegistryOptions _options;
    private readonly string _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConsulOutage _outage;
    private readonly ConsulWatch<KVPair[]> _configWatch;
    private readonly ConsulWatch<Dictionary<string, string[]>> _catalogWatch;
    private readonly ConcurrentDictionary<ServiceKey, ServiceSubscription> _subscriptions = new();
    private readonly MeshStateFile _stateFile;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private static readonly TimeSpan PersistDelay = TimeSpan.FromMilliseconds(200);
    private bool _initialized;
    private volatile string? _localNode;
    private Task? _localNodeFetch;
    private ITimer? _persistTimer;
    private bool _persistScheduled;
    private MeshState? _toPersist;
    private int _disposed;

    // Guarded by _gate: the latest raw state from each watch.
    private IReadOnlyList<MeshDocument> _documents = [];
    private IReadOnlyList<ConfigError> _errors = [];
    private IReadOnlyList<(string Key, string Value)> _configPairs = [];
    private HashSet<ServiceKey> _catalog = [];
    private Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> _instances = [];
    private MeshState? _persisted;

    // Parsed documents by key and ModifyIndex: an update re-parses only the keys that changed. Touched only by the config watch.
    private Dictionary<string, (ulong ModifyIndex, MeshParseResult Parsed)> _parsed = new(StringComparer.Ordinal);
    private ulong _configIndex;

    public ConsulRegistry(IOptions<MeshOptions> options, TimeProvider time, ILogger<ConsulRegistry> logger)
        : this(options, time, logger, ConsulClient.Create(ConsulConnection.From(options.Value.Consul)))
    {
    }

    /// <summary>Initializes a registry over a given client (tests watch its traffic); the registry owns and disposes it.</summary>
    internal ConsulRegistry(IOptions<MeshOptions> options, TimeProvider time, ILogger<ConsulRegistry> logger, ConsulClient client)
    {
        var mesh = options.Value;
        _options = mesh.Consul;
        _namespace = mesh.Namespace;
        _time = time;
        _logger = logger;
        _client = client;
        // The probe is a read as the watches do it (the leader answers it), not /v1/status/leader: the
        // followers name a dead leader until they elect a new one.
        _outage = new ConsulOutage(_client.BaseAddress, time, logger, async ct =>
        {
            await _client.GetCatalogServicesAsync(0, TimeSpan.Zero, ct).ConfigureAwait(false);
            return true;
        });
        _stateFile = new MeshStateFile(_options.SnapshotPath ?? MeshStateFile.DefaultPath(mesh.Service, mesh.Namespace));
        _configWatch = new ConsulWatch<KVPair[]>((index, ct) => _client.ListKeysAsync(_options.KeyPrefix, index, _options.WaitTime, ct), OnConfig, _outage, time);
        _catalogWatch = new ConsulWatch<Dictionary<string, string[]>>((index, ct) => _client.GetCatalogServicesAsync(index, _options.WaitTime, ct), OnCatalog, _outage, time);
    }

    public event Action? Changed;

    internal ConsulClient Client => _client;

    /// <summary>Gets the reachability of Consul shared by the watches and the self-registration.</summary>
    internal ConsulOutage Outage => _outage;

    /// <summary>Starts the config and catalog watches and waits for their first answers; falls back to the persisted state when Consul is down.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            _configWatch.Start();
            _catalogWatch.Start();
            var answered = await Task.WhenAll(_configWatch.FirstAttempt, _catalogWatch.FirstAttempt).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!answered.All(a => a))
            {
                var persisted = _stateFile.TryLoad(_namespace, out var savedAt, out var error);
                if (persisted is not null)
                {
                    Log.ColdStartFromFile(_logger, _client.BaseAddress, _stateFile.Path, savedAt);
                    lock (_gate)
                    {
                        _persisted = persisted;
                    }
                }
                else
                {
                    Log.ColdStartEmpty(_logger, _client.BaseAddress, _stateFile.Path, error ?? "no file");
                }
            }

            _initialized = true;
        }
        finally
        {
            _initGate.Release();
        }
    }

    public MeshState Read()
    {
        if (!_initialized)
        {
            // Hosts call InitializeAsync at start; this covers a provider built outside a host.
            InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        lock (_gate)
        {
            if (_persisted is { } persisted)
            {
                return persisted;
            }

            var known = new HashSet<ServiceKey>(_catalog);
            foreach (var document in _documents)
            {
                var ns = document.Metadata.Namespace ?? _namespace;
                switch (document)
                {
                    case VirtualService vs:
                        known.UnionWith(vs.Spec.Hosts.Select(h => ServiceKey.Parse(h, ns)));
                        known.UnionWith(vs.Spec.Http.SelectMany(r => r.Route).Select(d => ServiceKey.Parse(d.Destination.Host, ns)));
                        break;
                    case DestinationRule dr:
                        known.Add(ServiceKey.Parse(dr.Spec.Host, ns));
                        break;
                }
            }

            var cold = known.Where(k => !_instances.ContainsKey(k)).ToHashSet();
            return new MeshState(_documents, _errors, new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>(_instances))
            {
                ColdServices = cold,
                ConfigTexts = _configPairs,
            };
        }
    }

    public void Applied(MeshState state)
    {
        if (ReferenceEquals(state, _persisted))
        {
            return;
        }

        // Writing the file is off the update's path and coalesced: a burst of updates is written once,
        // PersistDelay after the first. A crash inside that window loses only those updates' copy.
        lock (_gate)
        {
            _toPersist = state;
            _persistTimer ??= _time.CreateTimer(static s => ((ConsulRegistry)s!).Persist(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!_persistScheduled)
            {
                _persistScheduled = true;
                _persistTimer.Change(PersistDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Persist()
    {
        MeshState? state;
        lock (_gate)
        {
            state = _toPersist;
            _toPersist = null;
            _persistScheduled = false;
        }

        if (state is not null)
        {
            _stateFile.Save(state, _time.GetUtcNow(), _logger);
        }
    }

    /// <summary>Starts the health watch of <paramref name="service"/> (once) and waits for its first answer.</summary>
    public async Task WarmAsync(ServiceKey service, CancellationToken cancellationToken)
    {
        var subscription = _subscriptions.GetOrAdd(service, key => new ServiceSubscription(this, key));
        subscription.Watch.Start();
        await subscription.Watch.FirstAttempt.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnConfig(ConsulResult<KVPair[]> result)
    {
        if (result.Index < _configIndex)
        {
            // A new Consul (an agent or cluster that lost its state): its ModifyIndexes say nothing about ours.
            _parsed.Clear();
        }

        _configIndex = result.Index;
        var documents = new List<MeshDocument>();
        var errors = new List<ConfigError>();
        var pairs = new List<(string, string)>();
        var parsedNow = new Dictionary<string, (ulong, MeshParseResult)>(StringComparer.Ordinal);
        foreach (var pair in result.Value.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (pair.Key.EndsWith('/'))
            {
                continue; // a folder marker
            }

            var text = ConsulClient.DecodeValue(pair);
            pairs.Add((pair.Key, text));
            var parsed = _parsed.TryGetValue(pair.Key, out var cached) && cached.ModifyIndex == pair.ModifyIndex
                ? cached.Parsed
                : ConsulConfigKeys.Parse(pair.Key, text, _options.KeyPrefix);
            parsedNow[pair.Key] = (pair.ModifyIndex, parsed);
            documents.AddRange(parsed.Documents);
            errors.AddRange(parsed.Errors);
        }

        _parsed = parsedNow;

        IReadOnlyList<ServiceKey> carried;
        lock (_gate)
        {
            _documents = documents;
            _errors = errors;
            _configPairs = pairs;
            carried = LeavePersistedLocked();
        }

        WatchCarried(carried);
        Changed?.Invoke();
    }

    private void OnCatalog(ConsulResult<Dictionary<string, string[]>> result)
    {
        var catalog = result.Value.Keys.Where(n => n != "consul").Select(n => ServiceKey.Parse(n, _namespace)).ToHashSet();
        IReadOnlyList<ServiceKey> carried;
        lock (_gate)
        {
            _catalog = catalog;
            carried = LeavePersistedLocked();
        }

        WatchCarried(carried);
        Changed?.Invoke();
    }

    /// <summary>Applies a health answer, or holds it back (see <see cref="ConsulHealthHold"/>); with no answer, the held one when its hold runs out.</summary>
    private void OnInstances(ServiceSubscription subscription, ConsulResult<ServiceEntry[]>? answer)
    {
        var service = subscription.Service;
        List<ServiceKey> carried;
        bool applied;
        lock (subscription.Gate)
        {
            // The timer may fire just after a newer answer ended the hold: then there is nothing left to apply.
            if ((answer ?? subscription.Pending) is not { } result)
            {
                return;
            }

            var entries = result.Value.Where(e => NamespaceOf(e) == service.Namespace).ToArray();
            var instances = entries.Where(ConsulHealthHold.IsPassing).Select(e => ToInstance(service, e)).ToArray();
            int inForce;
            lock (_gate)
            {
                // A cold start's instances count as in force from the first live answer on.
                carried = LeavePersistedLocked();
                inForce = _instances.TryGetValue(service, out var current) ? current.Count : 0;
            }

            var now = _time.GetUtcNow();
            var heldSince = subscription.Hold.Since;
            if (subscription.Hold.Evaluate(inForce, entries, now, _localNode) is { } until)
            {
                subscription.Pending = result;
                subscription.Timer ??= _time.CreateTimer(static s => ((ServiceSubscription)s!).Expire(), subscription, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                subscription.Timer.Change(until - now, Timeout.InfiniteTimeSpan);

                // Logged once the timer is armed: whoever reads the line (a test on a fake clock) may count on the hold's end being scheduled.
                if (heldSince is null)
                {
                    Log.Held(_logger, service.ToString(), entries.Length, inForce, _options.HealthGracePeriod.TotalSeconds);
                }

                applied = false;
            }
            else
            {
                subscription.Pending = null;
                subscription.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                if (heldSince is { } since)
                {
                    Log.HoldEnded(_logger, service.ToString(), (now - since).TotalSeconds, instances.Length);
                }

                lock (_gate)
                {
                    _instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>(_instances) { [service] = instances };
                }

                applied = true;
            }
        }

        WatchCarried(carried);
        if (applied || carried.Count > 0)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Leaves the state a cold start read from the file, at the first live answer. Its instances are
    /// carried into the live state, as instances in force, so that a restarted agent's first answers
    /// (checks not run yet) are held like any other, instead of leaving the service with none.
    /// Returns the services carried, whose health watches must start now. Called under the gate.
    /// </summary>
    private List<ServiceKey> LeavePersistedLocked()
    {
        if (_persisted is not { } persisted)
        {
            return [];
        }

        _persisted = null;
        var carried = new List<ServiceKey>();
        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>(_instances);
        foreach (var (service, list) in persisted.Instances)
        {
            if (list.Count > 0 && instances.TryAdd(service, list))
            {
                carried.Add(service);
            }
        }

        _instances = instances;
        return carried;
    }

    private void WatchCarried(IReadOnlyList<ServiceKey> carried)
    {
        foreach (var service in carried)
        {
            _subscriptions.GetOrAdd(service, key => new ServiceSubscription(this, key)).Watch.Start();
        }
    }

    /// <summary>
    /// Learns the local agent's node name before a health read, once (best effort): its serfHealth
    /// failing while it answers us is no verdict, and the first answer after a restart may say so.
    /// </summary>
    private async Task EnsureLocalNodeAsync(CancellationToken cancellationToken)
    {
        if (_localNode is not null)
        {
            return;
        }

        Task fetch;
        lock (_gate)
        {
            if (_localNodeFetch is null || _localNodeFetch.IsCompleted)
            {
                _localNodeFetch = FetchLocalNodeAsync();
            }

            fetch = _localNodeFetch;
        }

        await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FetchLocalNodeAsync()
    {
        try
        {
            var name = await _client.GetAgentNodeNameAsync(CancellationToken.None).ConfigureAwait(false);
            _localNode = name.Length > 0 ? name : null;
        }
        catch (Exception ex) when (ex is ConsulException or System.Text.Json.JsonException or OperationCanceledException or ObjectDisposedException)
        {
            // The health read that follows fails the same way, and the watch retries both.
        }
    }

    private string NamespaceOf(ServiceEntry entry) => entry.Service.Meta?.GetValueOrDefault(ConsulMeta.Namespace) ?? _namespace;

    /// <summary>Maps a health entry to an instance: Meta becomes labels, <c>port-&lt;name&gt;</c> Meta named ports; the service address falls back to the node's.</summary>
    private static ServiceInstance ToInstance(ServiceKey service, ServiceEntry entry)
    {
        var meta = entry.Service.Meta ?? [];
        var (labels, ports) = ConsulMeta.Split(meta);
        labels.Remove(ConsulMeta.ServiceAccount);
        if (labels.Remove(ConsulMeta.TlsMode, out var tlsMode))
        {
            labels[ServiceInstance.TlsModeLabel] = tlsMode;
        }

        var address = string.IsNullOrEmpty(entry.Service.Address) ? entry.Node.Address : entry.Service.Address;
        return new ServiceInstance(service, entry.Service.ID, address, entry.Service.Port, labels, Ports: ports, ServiceAccount: meta.GetValueOrDefault(ConsulMeta.ServiceAccount));
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose this twice: once as itself and once as IMeshStateSource.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _persistTimer?.Dispose();
        _outage.Dispose();
        Persist(); // what was waiting to be written is written before the registry goes
        await _configWatch.DisposeAsync().ConfigureAwait(false);
        await _catalogWatch.DisposeAsync().ConfigureAwait(false);
        foreach (var subscription in _subscriptions.Values)
        {
            await subscription.Watch.DisposeAsync().ConfigureAwait(false);
            subscription.Timer?.Dispose();
        }

        _client.Dispose();
        _initGate.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class ServiceSubscription
    {
        private readonly ConsulRegistry _registry;

        public ServiceSubscription(ConsulRegistry registry, ServiceKey service)
        {
            _registry = registry;
            Service = service;
            Hold = new ConsulHealthHold(registry._options.HealthGracePeriod);

            // Every instance with its checks, not ?passing: the hold needs to see checks that have not run yet.
            Watch = new ConsulWatch<ServiceEntry[]>(
                async (index, ct) =>
                {
                    await registry.EnsureLocalNodeAsync(ct).ConfigureAwait(false);
                    return await registry._client.GetHealthServiceAsync(service.Name, passingOnly: false, index, registry._options.WaitTime, ct).ConfigureAwait(false);
                },
                result => registry.OnInstances(this, result),
                registry._outage,
                registry._time);
        }

        public ServiceKey Service { get; }

        public ConsulWatch<ServiceEntry[]> Watch { get; }

        public Lock Gate { get; } = new();

        public ConsulHealthHold Hold { get; }

        /// <summary>Gets or sets the answer held back, applied if the hold runs out first.</summary>
        public ConsulResult<ServiceEntry[]>? Pending { get; set; }

        public ITimer? Timer { get; set; }

        public void Expire()
        {
            if (Volatile.Read(ref _registry._disposed) == 0)
            {
                _registry.OnInstances(this, null);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ColdStartFromFile, LogLevel.Warning, "Consul at {Address} is unreachable at start; routing from the state persisted at {Path} ({SavedAt:u}) until it answers")]
        public static partial void ColdStartFromFile(ILogger logger, Uri address, string path, DateTimeOffset savedAt);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulHealthHeld, LogLevel.Warning, "Consul lists no passing instance of {Service} ({Listed} listed, no failing check with a verdict: a restarted agent?); keeping the {InForce} instances in force for up to {Grace} s")]
        public static partial void Held(ILogger logger, string service, int listed, int inForce, double grace);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulHealthHoldEnded, LogLevel.Information, "The hold on {Service} ended after {Seconds:0.0} s; {Passing} passing instances are in force")]
        public static partial void HoldEnded(ILogger logger, string service, double seconds, int passing);

        [LoggerMessage(Telemetry.MeshEventIds.ColdStartEmpty, LogLevel.Warning, "Consul at {Address} is unreachable at start and no persisted state could be read from {Path} ({Reason}); the mesh starts empty and fills in when Consul answers")]
        public static partial void ColdStartEmpty(ILogger logger, Uri address, string path, string reason);
    }
}
