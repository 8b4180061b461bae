namespace Mesh.Registry.Consul;

/// <summary>
/// One blocking query, run in a loop as Consul's docs prescribe: pass the last X-Consul-Index with
/// a wait time; act only when the index changes; reset the index when it goes backwards (and treat
/// 0 as 1 so the next query still blocks); on errors, back off exponentially with jitter until
/// Consul answers this watch or any other, then read once without blocking.
/// </summary>
internal sealed class ConsulWatch<T> : IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(15);

    private readonly Func<ulong, CancellationToken, Task<ConsulResult<T>>> _query;
    private readonly Action<ConsulResult<T>> _onChange;
    private readonly ConsulOutage _outage;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<bool> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startGate = new();
    private Task? _loop;
    private int _disposed;

    public ConsulWatch(Func<ulong, CancellationToken, Task<ConsulResult<T>>> query, Action<ConsulResult<T>> onChange, ConsulOutage outage, TimeProvider time)
    {
        _query = query;
        _onChange = onChange;
        _outage = outage;
        _time = time;
    }

    /// <summary>Gets a task that completes with true after the first result was handled, or false after the first failure.</summary>
    public Task<bool> FirstAttempt => _first.Task;

    public ulong Index { get; private set; }

    /// <summary>Starts the loop once, however many callers race here (each first request to a service calls it).</summary>
    public void Start()
    {
        if (Volatile.Read(ref _loop) is not null)
        {
            return;
        }

        lock (_startGate)
        {
            if (_loop is null && Volatile.Read(ref _disposed) == 0)
            {
                Volatile.Write(ref _loop, Task.Run(() => RunAsync(_stop.Token)));
            }
        }
    }

    /// <summary>The index to send next: reset to 0 when it went backwards, never 0 otherwise (0 would not block).</summary>
    internal static ulong NextIndex(ulong previous, ulong returned) =>
        returned < previous ? 0 : Math.Max(returned, 1);

    /// <summary>Exponential backoff with "equal jitter": half fixed, half random, capped.</summary>
    internal static TimeSpan Backoff(int failures, double random)
    {
        var exponent = Math.Min(failures - 1, 16);
        var capped = Math.Min(MinBackoff.TotalMilliseconds * Math.Pow(2, exponent), MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (random * capped / 2));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // After a failure the next read does not block: it answers at once, so the end of the
                // outage is seen (and logged) when Consul first answers, and a restarted agent whose
                // index went lower than ours is resynced now, not after a wait of up to WaitTime.
                var result = await _query(failures > 0 ? 0 : Index, cancellationToken).ConfigureAwait(false);
                _outage.Success();
                failures = 0;
                var changed = Index == 0 || result.Index != Index;
                Index = NextIndex(Index, result.Index);
                if (changed)
                {
                    _onChange(result);
                }

                _first.TrySetResult(true);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // a watch must not die: whatever a read throws is a failed read, retried with backoff
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var outageEnded = _outage.Failure(ex);
                _first.TrySetResult(false);
                failures++;
                try
                {
                    // The backoff ends early when any other request to Consul succeeds.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, outageEnded);
                    await Task.Delay(Backoff(failures, Snapshot.SharedMeshRandom.Instance.NextDouble()), _time, wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        _first.TrySetResult(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_startGate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _first.TrySetResult(false); // a watch disposed before it started still answers its waiters
        _stop.Dispose();
    }
}
