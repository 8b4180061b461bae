using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mesh.Integration.Tests;

/// <summary>Requests to one service at a steady pace from a few loops, counting those not answered by an expected instance.</summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _sent;

    public SteadyLoad(MeshClient client, string service, IReadOnlySet<string> answers, int loops = 2, int pauseMs = 10)
    {
        _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                string answer;
                try
                {
                    answer = await client.CallAsync(service);
                }
                catch (HttpRequestException ex)
                {
                    answer = ex.Message;
                }

                Interlocked.Increment(ref _sent);
                if (!answers.Contains(answer))
                {
                    Failures.Enqueue((_clock.Elapsed, answer));
                }

                try
                {
                    await Task.Delay(pauseMs, _stop.Token); // pacing, not logic: about 100 requests per second per loop at most
                }
                catch (OperationCanceledException)
                {
                }
            }
        })).ToArray();
    }

    public int Sent => Volatile.Read(ref _sent);

    public ConcurrentQueue<(TimeSpan At, string Answer)> Failures { get; } = new();

    public string Describe() => $"{Failures.Count} of {Sent} requests failed: {string.Join("; ", Failures.Take(10).Select(f => $"{f.At.TotalSeconds:0.00} s: {f.Answer}"))}";

    /// <summary>Waits until <paramref name="count"/> more requests were sent.</summary>
    public Task MoreAsync(int count, string what, TimeSpan? timeout = null)
    {
        var target = Sent + count;
        return Wait.UntilAsync(() => Sent >= target, $"{count} requests {what}", timeout);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
