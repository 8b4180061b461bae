using System.Collections.Concurrent;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Mesh.Snapshot;

/// <summary>
/// Holds the snapshot in force. The first load throws on any error; later loads that fail are
/// logged and counted, and the last good snapshot stays in force.
/// </summary>
internal sealed partial class MeshSnapshotProvider : IDisposable
{
    private readonly IMeshStateSource _source;
    private readonly MeshSnapshotCompiler _compiler;
    private readonly MeshMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string, int), EndpointState> _endpointStates = new();
    private readonly Lock _reloadGate = new();
    private MeshSnapshot _current;
    private CancellationTokenSource _changeSource = new();
    private long _version;
    private long _rejectedCount;
    private bool _disposed;
    private IReadOnlyList<ConfigError>? _lastRejection;

    public MeshSnapshotProvider(
        IMeshStateSource source,
        IOptions<MeshOptions> options,
        MeshMetrics metrics,
        ILogger<MeshSnapshotProvider> logger,
        IMeshRandom? random = null,
        TimeProvider? time = null,
        Resilience.MeshTransports? transports = null)
    {
        _source = source;
        _metrics = metrics;
        _logger = logger;
        var o = options.Value;
        var identity = new MeshIdentity(o.Service, o.Namespace, new Dictionary<string, string>(o.Labels, StringComparer.Ordinal), o.Address);
        _compiler = new MeshSnapshotCompiler(identity, random ?? SharedMeshRandom.Instance, i => _endpointStates.GetOrAdd((i.Address, i.Port), static _ => new EndpointState()), time, transports);

        // First load: every error at once, and no mesh until it is fixed.
        var state = source.Read();
        _current = Build(state);
        source.Applied(state);
        Log.Applied(_logger, _current.Version, _current.Documents.Count, _current.Instances.Values.Sum(i => i.Count));
        _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
        source.Changed += OnSourceChanged;
    }

    /// <summary>Gets the snapshot in force; one volatile read, no lock.</summary>
    public MeshSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Gets the errors of the last rejected update, or null if none was rejected since the last applied one.</summary>
    public IReadOnlyList<ConfigError>? LastRejection => Volatile.Read(ref _lastRejection);

    /// <summary>Gets the number of updates rejected since start.</summary>
    public long RejectedCount => Interlocked.Read(ref _rejectedCount);

    /// <summary>Gets a token that fires when a new snapshot replaces the current one.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changeSource).Token);

    private void OnSourceChanged() => Reload();

    /// <summary>Loads the instances of a service that was known but not loaded yet; a new snapshot is in force when this completes.</summary>
    public Task WarmAsync(Configuration.ServiceKey service, CancellationToken cancellationToken) => _source.WarmAsync(service, cancellationToken);

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
                next = Build(state);
            }
            catch (MeshConfigException ex)
            {
                Log.Rejected(_logger, ex.Errors.Count, Current.Version, string.Join(Environment.NewLine, ex.Errors));
                Volatile.Write(ref _lastRejection, ex.Errors);
                Interlocked.Increment(ref _rejectedCount);
                _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                return false;
            }
#pragma warning disable CA1031 // a reload must never take the data plane down; the error is logged and the last snapshot stays
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ReloadFailed(_logger, ex, Current.Version);
                Volatile.Write(ref _lastRejection, [new ConfigError("mesh config", "", ex.Message)]);
                Interlocked.Increment(ref _rejectedCount);
                _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                return false;
            }

            // 1. capture the old token source, 2. publish the snapshot, 3. install a new token source, 4. fire the old one.
            var oldSource = _changeSource;
            var old = _current;
            Volatile.Write(ref _current, next);
            Volatile.Write(ref _lastRejection, null);
            Volatile.Write(ref _changeSource, new CancellationTokenSource());
            Log.Applied(_logger, next.Version, next.Documents.Count, next.Instances.Values.Sum(i => i.Count));
            _metrics.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
            oldSource.Cancel();
            oldSource.Dispose();
            old.Retire();
            _source.Applied(state);
            return true;
        }
    }

    private MeshSnapshot Build(MeshState state)
    {
        if (state.Errors.Count > 0)
        {
            // Cross-document checks are skipped here: a document that failed to parse would make them report noise.
            throw new MeshConfigException(state.Errors);
        }

        return _compiler.Compile(Interlocked.Increment(ref _version), state.Documents, state.Instances, state.ColdServices);
    }

    public void Dispose()
    {
        _source.Changed -= OnSourceChanged;
        lock (_reloadGate)
        {
            // A source's watch may still be delivering a change; Reload checks this flag under the same lock.
            _disposed = true;
            _changeSource.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConfigApplied, LogLevel.Information, "Mesh config version {Version} applied: {Documents} documents, {Instances} instances")]
        public static partial void Applied(ILogger logger, long version, int documents, int instances);

        [LoggerMessage(Telemetry.MeshEventIds.ConfigRejected, LogLevel.Error, "Mesh config update rejected ({Count} error(s)); version {Version} stays in force:\n{Errors}")]
        public static partial void Rejected(ILogger logger, int count, long version, string errors);

        [LoggerMessage(Telemetry.MeshEventIds.ConfigUpdateFailed, LogLevel.Error, "Mesh config update failed; version {Version} stays in force")]
        public static partial void ReloadFailed(ILogger logger, Exception exception, long version);
    }
}
