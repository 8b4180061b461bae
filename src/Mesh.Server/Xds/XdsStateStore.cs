using System.Net;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Snapshot;
using Microsoft.Extensions.Options;

namespace Mesh.Server.Xds;

/// <summary>
/// Reads the registry as Mesh.Client does (the same <see cref="IMeshStateSource"/>), warms every
/// service the source lists as cold (the server must see every service), resolves endpoint host names,
/// and publishes a new <see cref="XdsGeneration"/> after each change, debounced: the first change arms a
/// timer of <see cref="DebounceDelay"/> and every change until it fires rides along, so a push follows a
/// change within that delay. A state that fails validation is refused whole; the last good one stays.
/// </summary>
internal sealed partial class XdsStateStore : IHostedService, IDisposable
{
    /// <summary>The most a change waits before clients are told (bursts of changes coalesce into one push).</summary>
    public static readonly TimeSpan DebounceDelay = TimeSpan.FromMilliseconds(100);

    private readonly IMeshStateSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MeshIdentity _defaultIdentity;
    private readonly XdsMetrics? _metrics;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly HashSet<ServiceKey> _warming = [];
    private readonly HashSet<string> _loggedNotes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _debounce;
    private int _disposed;
    private bool _armed;
    private XdsGeneration? _current;
    private long _rejected;
    private StateRejection? _lastRejection;

    public XdsStateStore(IMeshStateSource source, IOptions<MeshOptions> options, TimeProvider time, ILogger<XdsStateStore> logger, XdsMetrics? metrics = null)
    {
        _source = source;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        var o = options.Value;
        _defaultIdentity = new MeshIdentity(o.Service, o.Namespace, new SortedDictionary<string, string>(o.Labels, StringComparer.Ordinal), o.Address);
    }

    /// <summary>Raised after a new generation is in force; ADS streams then push what changed.</summary>
    public event Action? Updated;

    /// <summary>Gets the generation in force; throws before the host started.</summary>
    public XdsGeneration Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("Mesh.Server's state is not loaded yet.");

    /// <summary>Waits until the first state is in force (Kestrel may accept a stream before the registry is read).</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Gets the server's namespace: where short names of callers that declare none resolve.</summary>
    public string DefaultNamespace => _defaultIdentity.Namespace;

    /// <summary>Gets how many updates were refused since start.</summary>
    public long RejectedUpdates => Interlocked.Read(ref _rejected);

    /// <summary>Gets the last refused update, or null when the last update applied.</summary>
    public StateRejection? LastRejection => Volatile.Read(ref _lastRejection);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _source.InitializeAsync(cancellationToken).ConfigureAwait(false);

        // The server must see every service: load each cold one before serving the first state.
        var first = _source.Read();
        await Task.WhenAll(first.ColdServices.Select(s => WarmAsync(s, cancellationToken))).ConfigureAwait(false);
        _source.Changed += OnSourceChanged;

        // First load: every error at once, and no server until it is fixed (as Mesh.Client).
        await ReloadAsync(initial: true, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _source.Changed -= OnSourceChanged;
        if (Volatile.Read(ref _disposed) == 0)
        {
            _stopping.Cancel();
        }

        return Task.CompletedTask;
    }

    /// <summary>Reads the source now and publishes the result if it is valid (tests and the first load; changes go through the debounce).</summary>
    public async Task<bool> ReloadAsync(bool initial, CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = _source.Read();
            foreach (var cold in state.ColdServices)
            {
                _ = WarmAsync(cold, _stopping.Token);
            }

            var resolved = await ResolveAsync(state, cancellationToken).ConfigureAwait(false);
            var previous = Volatile.Read(ref _current);
            var next = new XdsGeneration((previous?.Number ?? 0) + 1, state, resolved, _defaultIdentity, previous, OnCompileFailed, OnNotes);
            try
            {
                next.CompileDefault();
            }
            catch (MeshConfigException ex) when (!initial)
            {
                // The rejection, its log line and metric first; the count last, since readers take it as the signal that all is done.
                _metrics?.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                Volatile.Write(ref _lastRejection, new StateRejection([.. ex.Errors.Select(e => e.ToString())], _time.GetUtcNow()));
                Log.Rejected(_logger, ex.Errors.Count, previous?.Number ?? 0, string.Join(Environment.NewLine, ex.Errors));
                Interlocked.Increment(ref _rejected);
                return false;
            }

            if (!next.Default.Snapshot.Notes.SequenceEqual(previous?.Default.Snapshot.Notes ?? []))
            {
                foreach (var note in next.Default.Snapshot.Notes)
                {
                    Log.ConfigNote(_logger, note);
                }
            }

            Volatile.Write(ref _current, next);
            Volatile.Write(ref _lastRejection, null);
            lock (_gate)
            {
                // A feature that left the config is logged again if it comes back.
                _loggedNotes.IntersectWith(next.Notes);
            }

            previous?.ReleasePrevious();
            Log.Applied(_logger, next.Number, state.Documents.Count, state.Instances.Values.Sum(i => i.Count));
            _source.Applied(state);
            _ready.TrySetResult();
            _metrics?.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
            Updated?.Invoke();
            return true;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private void OnSourceChanged()
    {
        lock (_gate)
        {
            if (_armed)
            {
                return; // a push is already due within DebounceDelay; it will read this change too
            }

            _armed = true;
            _debounce ??= _time.CreateTimer(static s => ((XdsStateStore)s!).OnDebounceElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _debounce.Change(DebounceDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDebounceElapsed()
    {
        lock (_gate)
        {
            _armed = false;
        }

        _ = ReloadInBackgroundAsync();
    }

    private async Task ReloadInBackgroundAsync()
    {
        try
        {
            await ReloadAsync(initial: false, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // an update must never take the server down; the last good state stays
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics?.ConfigUpdates.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
            Volatile.Write(ref _lastRejection, new StateRejection([ex.Message], _time.GetUtcNow()));
            Log.UpdateFailed(_logger, ex);
            Interlocked.Increment(ref _rejected);
        }
    }

    private async Task WarmAsync(ServiceKey service, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_warming.Add(service))
            {
                return;
            }
        }

        try
        {
            await _source.WarmAsync(service, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // a service that cannot be loaded now is retried by the next change
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                _warming.Remove(service);
            }

            Log.WarmFailed(_logger, ex, service.Fqdn);
        }
    }

    /// <summary>xDS endpoints must be IP literals: resolves the host name of every instance that has one, deterministically.</summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ResolveAsync(MeshState state, CancellationToken cancellationToken)
    {
        var names = state.Instances.Values.SelectMany(i => i).Select(i => i.Address).Where(a => !IPAddress.TryParse(a, out _)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            try
            {
                // One instance is one endpoint: its first IPv4 address (in order), else its first address (`localhost` is 127.0.0.1, not also ::1).
                var addresses = await Dns.GetHostAddressesAsync(name, cancellationToken).ConfigureAwait(false);
                var chosen = addresses.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Select(a => a.ToString()).Order(StringComparer.Ordinal).FirstOrDefault()
                    ?? addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal).FirstOrDefault();
                if (chosen is not null)
                {
                    result[name] = [chosen];
                }
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                Log.Unresolved(_logger, name, ex.Message);
            }
        }

        return result;
    }

    private void OnCompileFailed(MeshIdentity identity, Exception error) =>
        Log.IdentityCompileFailed(_logger, identity.Namespace, string.Join(",", identity.Labels.Select(l => $"{l.Key}={l.Value}")), error.Message);

    /// <summary>Logs each unsupported feature once while it stays in the config (again if it goes and comes back).</summary>
    private void OnNotes(IReadOnlyList<string> notes)
    {
        foreach (var note in notes)
        {
            bool added;
            lock (_gate)
            {
                added = _loggedNotes.Add(note);
            }

            if (added)
            {
                Log.Unsupported(_logger, note);
            }
        }
    }

    public void Dispose()
    {
        // Registered as a singleton and as a hosted service: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _source.Changed -= OnSourceChanged;
        lock (_gate)
        {
            _debounce?.Dispose();
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _reloadGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(ServerEventIds.StateApplied, LogLevel.Information, "Mesh.Server state {Generation} in force: {Documents} documents, {Instances} instances")]
        public static partial void Applied(ILogger logger, long generation, int documents, int instances);

        [LoggerMessage(ServerEventIds.StateRejected, LogLevel.Error, "Mesh config update rejected ({Count} error(s)); state {Generation} stays in force:\n{Errors}")]
        public static partial void Rejected(ILogger logger, int count, long generation, string errors);

        [LoggerMessage(ServerEventIds.StateUpdateFailed, LogLevel.Error, "Mesh config update failed; the last state stays in force")]
        public static partial void UpdateFailed(ILogger logger, Exception exception);

        [LoggerMessage(ServerEventIds.WarmFailed, LogLevel.Warning, "Could not load the instances of {Service}; retried at the next change")]
        public static partial void WarmFailed(ILogger logger, Exception exception, string service);

        [LoggerMessage(ServerEventIds.IdentityCompileFailed, LogLevel.Error, "Mesh config does not compile for callers in namespace {Namespace} with labels [{Labels}]; they keep their last good config: {Error}")]
        public static partial void IdentityCompileFailed(ILogger logger, string @namespace, string labels, string error);

        [LoggerMessage(ServerEventIds.Unsupported, LogLevel.Warning, "Not sent over xDS: {Note}")]
        public static partial void Unsupported(ILogger logger, string note);

        [LoggerMessage(ServerEventIds.ConfigNote, LogLevel.Information, "Mesh config: {Note}")]
        public static partial void ConfigNote(ILogger logger, string note);

        [LoggerMessage(ServerEventIds.EndpointUnresolved, LogLevel.Warning, "Endpoint host name {Name} did not resolve ({Error}); its endpoints are left out of EDS")]
        public static partial void Unresolved(ILogger logger, string name, string error);
    }
}
