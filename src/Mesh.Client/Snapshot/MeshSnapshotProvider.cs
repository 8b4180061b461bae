using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Runtime;
using Mesh.Telemetry;
using Mesh.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Mesh.Snapshot;

/// <summary>
/// Holds the config in force and applies updates: reads the source, validates and compiles a
/// <see cref="MeshSnapshot"/>, and hands it to the <see cref="MeshRuntime"/>, which reconciles the
/// runtime state and publishes the table the request path reads. The first load throws on any error;
/// later loads that fail are logged and counted, and the last good config stays in force.
/// </summary>
internal sealed partial class MeshSnapshotProvider : IMeshStatus, IDisposable
{
    private readonly IMeshStateSource _source;
    private readonly MeshSnapshotCompiler _compiler;
    private readonly MeshMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MeshRuntime _runtime;
    private readonly MeshTransportPool? _ownTransports;
    private readonly Lock _reloadGate = new();
    private RouteTable _routes;
    private CancellationTokenSource _changeSource = new();
    private long _rejectedCount;
    private bool _disposed;
    private MeshConfigRejection? _lastRejection;
    private Tuple<MeshSnapshot, string>? _configHash;

    public MeshSnapshotProvider(
        IMeshStateSource source,
        IOptions<MeshOptions> options,
        MeshMetrics metrics,
        ILogger<MeshSnapshotProvider> logger,
        IMeshRandom? random = null,
        TimeProvider? time = null,
        MeshTransportPool? transports = null)
    {
        _source = source;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var o = options.Value;
        var identity = new MeshIdentity(o.Service, o.Namespace, new Dictionary<string, string>(o.Labels, StringComparer.Ordinal), o.Address, o.TrustDomain);
        _compiler = new MeshSnapshotCompiler(identity);
        if (transports is null)
        {
            _ownTransports = new MeshTransportPool(new SocketsTransportFactory());
            transports = _ownTransports;
        }

        _runtime = new MeshRuntime(new MeshRuntimeContext(identity, _time, random ?? SharedMeshRandom.Instance, transports));

        // First load: every error at once, and no mesh until it is fixed.
        var state = source.Read();
        _routes = _runtime.Apply(Build(state, version: 1));
        source.Applied(state);
        Log.Applied(_logger, Current.Version, Current.Documents.Count, Current.Instances.Values.Sum(i => i.Count));
        foreach (var note in Current.Notes)
        {
            Log.ConfigNote(_logger, note);
        }

        _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
        _metrics.ObserveClusters(ObserveEndpoints, ObserveEjections);
        _metrics.ObserveConfig(ObserveConfig);
        source.Changed += OnSourceChanged;
    }

    /// <summary>The endpoints of every cluster by state, for the <c>mesh.cluster.endpoints</c> gauge (read when a collector asks).</summary>
    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ObserveEndpoints()
    {
        foreach (var cluster in GetClusters())
        {
            long healthy = 0, unhealthy = 0, ejected = 0;
            foreach (var endpoint in cluster.Endpoints)
            {
                if (!endpoint.Healthy)
                {
                    unhealthy++;
                }
                else if (endpoint.Ejected)
                {
                    ejected++;
                }
                else
                {
                    healthy++;
                }
            }

            yield return new(healthy, new KeyValuePair<string, object?>("cluster", cluster.Name), new KeyValuePair<string, object?>("state", "healthy"));
            yield return new(unhealthy, new KeyValuePair<string, object?>("cluster", cluster.Name), new KeyValuePair<string, object?>("state", "unhealthy"));
            yield return new(ejected, new KeyValuePair<string, object?>("cluster", cluster.Name), new KeyValuePair<string, object?>("state", "ejected"));
        }
    }

    /// <summary>The config in force for the <c>mesh.config.version</c> gauge: the version, tagged with the documents' fingerprint (computed once per snapshot).</summary>
    private System.Diagnostics.Metrics.Measurement<long> ObserveConfig()
    {
        var snapshot = Current;
        var cached = Volatile.Read(ref _configHash);
        if (cached is null || !ReferenceEquals(cached.Item1, snapshot))
        {
            cached = Tuple.Create(snapshot, MeshConfigHash.Of(snapshot.Documents));
            Volatile.Write(ref _configHash, cached);
        }

        return new(snapshot.Version, new KeyValuePair<string, object?>("config_hash", cached.Item2));
    }

    /// <summary>Outlier ejections so far per cluster, of the endpoints still in it, for the <c>mesh.outlier.ejections</c> counter.</summary>
    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ObserveEjections()
    {
        foreach (var cluster in GetClusters())
        {
            long ejections = 0;
            foreach (var endpoint in cluster.Endpoints)
            {
                ejections += endpoint.Ejections;
            }

            yield return new(ejections, new KeyValuePair<string, object?>("cluster", cluster.Name));
        }
    }

    /// <summary>Gets the config in force; one volatile read, no lock.</summary>
    public MeshSnapshot Current => Volatile.Read(ref _routes).Snapshot;

    /// <summary>Gets what the request path reads: the compiled routes and the clusters' runtime state; one volatile read, no lock.</summary>
    public RouteTable Routes => Volatile.Read(ref _routes);

    public long ConfigVersion => Current.Version;

    /// <summary>Gets the last rejected update, or null if none was rejected since the last applied one.</summary>
    public MeshConfigRejection? LastRejection => Volatile.Read(ref _lastRejection);

    public long RejectedUpdates => Interlocked.Read(ref _rejectedCount);

    /// <summary>Gets a token that fires at the next applied or rejected update.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changeSource).Token);

    public IReadOnlyList<MeshClusterStatus> GetClusters() =>
        [.. Routes.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.GetStatus())];

    private void OnSourceChanged() => Reload();

    /// <summary>Loads the instances of a service that was known but not loaded yet; a new snapshot is in force when this completes.</summary>
    public Task WarmAsync(Configuration.ServiceKey service, CancellationToken cancellationToken) => _source.WarmAsync(service, cancellationToken);

    /// <summary>Gets whether hosts the snapshot does not know are asked of the source before passing through (xDS mode).</summary>
    public bool DiscoversOnCall => _source.DiscoversOnCall;

    /// <summary>Asks the source for the service named by <paramref name="authority"/>; true when it is now in the snapshot.</summary>
    public Task<bool> DiscoverAsync(string authority, CancellationToken cancellationToken) => _source.DiscoverAsync(authority, cancellationToken);

    /// <summary>Reads the source again and applies the result if it is valid.</summary>
    public bool Reload()
    {
        lock (_reloadGate)
        {
            if (_disposed)
            {
                return false;
            }

            MeshSnapshot next;
            MeshState state;
            try
            {
                state = _source.Read();

                // The version counts applied configs only: a rejected update uses none up.
                next = Build(state, Current.Version + 1);
            }
            catch (MeshConfigException ex)
            {
                Log.Rejected(_logger, ex.Errors.Count, Current.Version, string.Join(Environment.NewLine, ex.Errors));
                Reject(ex.Errors);
                return false;
            }
#pragma warning disable CA1031 // a reload must never take the data plane down; the error is logged and the last snapshot stays
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ReloadFailed(_logger, ex, Current.Version);
                Reject([new ConfigError("mesh config", "", ex.Message)]);
                return false;
            }

            // 1. reconcile the runtime state and publish the table, 2. capture the old token source,
            // 3. install a new one, 4. fire the old one: a listener woken by it sees the new config.
            var previousNotes = Current.Notes;
            Volatile.Write(ref _routes, _runtime.Apply(next));
            if (!next.Notes.SequenceEqual(previousNotes))
            {
                foreach (var note in next.Notes)
                {
                    Log.ConfigNote(_logger, note);
                }
            }

            Volatile.Write(ref _lastRejection, null);
            Log.Applied(_logger, next.Version, next.Documents.Count, next.Instances.Values.Sum(i => i.Count));
            _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
            SignalChange();
            _source.Applied(state);
            return true;
        }
    }

    private void Reject(IReadOnlyList<ConfigError> errors)
    {
        Volatile.Write(ref _lastRejection, new MeshConfigRejection(errors, _time.GetUtcNow(), Current.Version));
        Interlocked.Increment(ref _rejectedCount);
        _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
        SignalChange();
    }

    private void SignalChange()
    {
        var oldSource = _changeSource;
        Volatile.Write(ref _changeSource, new CancellationTokenSource());
        oldSource.Cancel();
        oldSource.Dispose();
    }

    private MeshSnapshot Build(MeshState state, long version)
    {
        if (state.Errors.Count > 0)
        {
            // Cross-document checks are skipped here: a document that failed to parse would make them report noise.
            throw new MeshConfigException(state.Errors);
        }

        if (state.Compiled is { } compiled)
        {
            // The source compiled its state itself (xDS resources are already routes and clusters): take them as they are.
            return new MeshSnapshot(version, _compiler.Identity, state.Documents, state.Instances, compiled.VirtualHosts, compiled.Clusters) { Notes = compiled.Notes };
        }

        return _compiler.Compile(version, state.Documents, state.Instances, state.ColdServices);
    }

    public void Dispose()
    {
        _source.Changed -= OnSourceChanged;
        lock (_reloadGate)
        {
            // A source's watch may still be delivering a change; Reload checks this flag under the same lock.
            _disposed = true;
            _changeSource.Dispose();
            _runtime.Dispose();
            _ownTransports?.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConfigApplied, LogLevel.Information, "Mesh config version {Version} applied: {Documents} documents, {Instances} instances")]
        public static partial void Applied(ILogger logger, long version, int documents, int instances);

        [LoggerMessage(Telemetry.MeshEventIds.ConfigRejected, LogLevel.Error, "Mesh config update rejected ({Count} error(s)); version {Version} stays in force:\n{Errors}")]
        public static partial void Rejected(ILogger logger, int count, long version, string errors);

        [LoggerMessage(Telemetry.MeshEventIds.ConfigNote, LogLevel.Information, "Mesh config: {Note}")]
        public static partial void ConfigNote(ILogger logger, string note);

        [LoggerMessage(Telemetry.MeshEventIds.ConfigUpdateFailed, LogLevel.Error, "Mesh config update failed; version {Version} stays in force")]
        public static partial void ReloadFailed(ILogger logger, Exception exception, long version);
    }
}
