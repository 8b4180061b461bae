using Mesh.Configuration;
using Mesh.Runtime;

namespace Mesh.Resilience;

/// <summary>
/// Envoy's outlier detection for one cluster: an endpoint with N consecutive 5xx (or gateway)
/// errors is ejected for baseEjectionTime × (times ejected), capped at 300 s (or at baseEjectionTime
/// if longer), unless that would eject more than maxEjectionPercent (one ejection is always
/// allowed); every interval, endpoints whose time is up return. When fewer than minHealthPercent
/// of the endpoints are available, every endpoint is used (panic). Picks read
/// <see cref="Available"/>: one volatile array.
/// </summary>
internal sealed class OutlierDetector : IDisposable
{
    public static readonly TimeSpan MaxEjectionTime = TimeSpan.FromSeconds(300);

    private readonly TimeProvider _time;
    private MeshEndpoint[] _endpoints;
    private readonly Lock _gate = new();
    private MeshEndpoint[] _available;
    private ITimer? _timer;
    private bool _disposed;

    public OutlierDetector(MeshEndpoint[] endpoints, OutlierDetection settings, TimeProvider time)
    {
        _time = time;
        _endpoints = endpoints;
        _available = endpoints;
        Update(endpoints, settings);
    }

    public int Consecutive5xx { get; private set; }

    public int ConsecutiveGateway { get; private set; }

    public TimeSpan Interval { get; private set; }

    public TimeSpan BaseEjectionTime { get; private set; }

    public int MaxEjectionPercent { get; private set; }

    public int MinHealthPercent { get; private set; }

    /// <summary>Gets the endpoints the detector watches: the cluster's healthy endpoints.</summary>
    public MeshEndpoint[] Endpoints => Volatile.Read(ref _endpoints);

    /// <summary>
    /// Applies a config update in place: the cluster's endpoints now (each keeps its state: an ejected
    /// endpoint stays ejected for the rest of its time) and the settings now.
    /// </summary>
    public void Update(MeshEndpoint[] endpoints, OutlierDetection settings)
    {
        lock (_gate)
        {
            var interval = settings.Interval ?? TimeSpan.FromSeconds(10);
            Consecutive5xx = settings.Consecutive5xxErrors ?? 5;
            ConsecutiveGateway = settings.ConsecutiveGatewayErrors ?? 0;
            BaseEjectionTime = settings.BaseEjectionTime ?? TimeSpan.FromSeconds(30);
            MaxEjectionPercent = settings.MaxEjectionPercent ?? 10;
            MinHealthPercent = settings.MinHealthPercent ?? 0;
            if (interval != Interval)
            {
                Interval = interval;
                _timer?.Change(interval, interval);
            }

            Volatile.Write(ref _endpoints, endpoints);
            Refresh();

            // Endpoints ejected before this update still have time to serve.
            if (_timer is null && !_disposed && endpoints.Any(e => e.State.IsEjected))
            {
                _timer = _time.CreateTimer(static s => ((OutlierDetector)s!).OnInterval(), this, Interval, Interval);
            }
        }
    }

    /// <summary>Gets the endpoints to pick from: the ones not ejected, or all of them in panic.</summary>
    public MeshEndpoint[] Available => Volatile.Read(ref _available);

    /// <summary>Records the result of one attempt on <paramref name="endpoint"/>, ejecting it if it crossed a threshold.</summary>
    public void Record(MeshEndpoint endpoint, bool is5xx, bool isGateway)
    {
        var (fiveXx, gateway) = endpoint.State.Record(is5xx, isGateway);
        if ((Consecutive5xx > 0 && fiveXx >= Consecutive5xx) || (ConsecutiveGateway > 0 && gateway >= ConsecutiveGateway))
        {
            TryEject(endpoint);
        }
    }

    private void TryEject(MeshEndpoint endpoint)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var ejected = _endpoints.Count(e => e.State.IsEjected);
            if (ejected > 0 && (ejected + 1) * 100 > MaxEjectionPercent * _endpoints.Length)
            {
                return;
            }

            // Envoy's max_ejection_time: 300 s, or the base ejection time if that is longer.
            var multiplier = endpoint.State.Ejections + 1;
            var cap = Math.Max(MaxEjectionTime.Ticks, BaseEjectionTime.Ticks);
            var duration = TimeSpan.FromTicks(Math.Min(BaseEjectionTime.Ticks * multiplier, cap));
            if (!endpoint.State.TryEject((_time.GetUtcNow() + duration).UtcTicks))
            {
                return;
            }

            Refresh();
            _timer ??= _time.CreateTimer(static s => ((OutlierDetector)s!).OnInterval(), this, Interval, Interval);
        }
    }

    /// <summary>Every interval: endpoints whose ejection time is up return.</summary>
    internal void OnInterval()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcTicks;
            foreach (var endpoint in _endpoints)
            {
                if (endpoint.State.EjectedUntilTicks is var until && until != 0 && until <= now)
                {
                    endpoint.State.Return();
                }
            }

            Refresh();
            if (_endpoints.All(e => !e.State.IsEjected))
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private void Refresh()
    {
        var available = _endpoints.Where(e => !e.State.IsEjected).ToArray();

        // Panic (Envoy's healthy panic threshold, Istio's minHealthPercent): too few endpoints left, so
        // outlier detection steps aside and all are used. At Istio's default of 0 there is no panic:
        // with every endpoint ejected there is no healthy upstream.
        var panic = MinHealthPercent > 0 && available.Length * 100 < MinHealthPercent * _endpoints.Length;
        Volatile.Write(ref _available, panic || available.Length == _endpoints.Length ? _endpoints : available);
    }

    /// <summary>Stops the interval timer; with outlier detection gone from the config, ejected endpoints return at once.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            foreach (var endpoint in _endpoints)
            {
                endpoint.State.Return();
            }
        }
    }
}
