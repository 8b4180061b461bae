using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records the timers made from it, so a test can wait until
/// the code under test has armed its timer (a fault delay, a timeout) before it advances time.
/// </summary>
internal sealed class TestTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public TestTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _dueTimes.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits until a timer due in <paramref name="dueTime"/> was created: what the code under test waits on is armed.</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime, string what) =>
        Eventually.WaitAsync(() => _dueTimes.Contains(dueTime), $"{what} (timers created so far were due in: {string.Join(", ", _dueTimes)})");
}
