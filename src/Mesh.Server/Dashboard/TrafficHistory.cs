namespace Mesh.Server.Dashboard;

/// <summary>
/// The scrapes of every instance over the last <see cref="Window"/> and the per-edge rates they give: for each
/// instance, the newest scrape minus the oldest one still in the window (a counter that went down means a restart:
/// it counts from zero), divided by the time between them; then summed over instances, as Prometheus'
/// <c>sum(rate(...[window]))</c> would. An instance whose newest scrape is older than the window counts nothing.
/// Thread-safe; the scraper records, the API reads.
/// </summary>
internal sealed class TrafficHistory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(DateTimeOffset At, InstanceMetrics Metrics)>> _byInstance = new(StringComparer.Ordinal);

    public TrafficHistory(TimeSpan window)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The rate window must be positive.");
        }

        Window = window;
    }

    /// <summary>Gets the window rates are computed over.</summary>
    public TimeSpan Window { get; }

    /// <summary>Records a scrape of <paramref name="instance"/> taken at <paramref name="at"/>.</summary>
    public void Record(string instance, DateTimeOffset at, InstanceMetrics metrics)
    {
        lock (_gate)
        {
            if (!_byInstance.TryGetValue(instance, out var scrapes))
            {
                scrapes = _byInstance[instance] = [];
            }

            scrapes.Add((at, metrics));

            // Keep one scrape at or before the window's start, so the rate covers the whole window.
            while (scrapes.Count > 2 && scrapes[1].At <= at - Window)
            {
                scrapes.RemoveAt(0);
            }
        }
    }

    /// <summary>Forgets every instance not in <paramref name="current"/> (it left the registry).</summary>
    public void Retain(IReadOnlySet<string> current)
    {
        lock (_gate)
        {
            foreach (var gone in _byInstance.Keys.Where(k => !current.Contains(k)).ToArray())
            {
                _byInstance.Remove(gone);
            }
        }
    }

    /// <summary>Gets the newest scrape of <paramref name="instance"/>, or null.</summary>
    public InstanceMetrics? Latest(string instance)
    {
        lock (_gate)
        {
            return _byInstance.TryGetValue(instance, out var scrapes) && scrapes.Count > 0 ? scrapes[^1].Metrics : null;
        }
    }

    /// <summary>Computes every edge's traffic as of <paramref name="now"/>.</summary>
    public IReadOnlyList<EdgeTraffic> GetEdges(DateTimeOffset now)
    {
        var rates = new Dictionary<EdgeKey, (double Requests, double Errors, double Mtls, EdgeCounters Histogram)>();
        lock (_gate)
        {
            foreach (var scrapes in _byInstance.Values)
            {
                if (scrapes.Count < 2 || scrapes[^1].At < now - Window)
                {
                    continue;
                }

                var (newestAt, newest) = scrapes[^1];
                var (oldestAt, oldest) = scrapes[0];
                var seconds = (newestAt - oldestAt).TotalSeconds;
                if (seconds <= 0)
                {
                    continue;
                }

                foreach (var (key, counters) in newest.Edges)
                {
                    var delta = counters.Minus(oldest.Edges.GetValueOrDefault(key));
                    var sum = rates.GetValueOrDefault(key, (0, 0, 0, new EdgeCounters()));
                    sum.Histogram.Add(delta);
                    rates[key] = (sum.Requests + (delta.Requests / seconds), sum.Errors + (delta.Errors / seconds), sum.Mtls + (delta.MutualTls / seconds), sum.Histogram);
                }
            }
        }

        return
        [
            .. rates.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).Select(r => new EdgeTraffic(
                r.Key,
                r.Value.Requests,
                r.Value.Requests > 0 ? Math.Min(1, r.Value.Errors / r.Value.Requests) : 0,
                r.Value.Histogram.Quantile(0.99),
                r.Value.Requests > 0 ? Math.Min(1, r.Value.Mtls / r.Value.Requests) : 0) { Histogram = r.Value.Histogram }),
        ];
    }
}
