using Microsoft.Extensions.Time.Testing;

namespace Mesh.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers made from it, so a test can wait until
/// the code under test has armed its timer (a fault delay, a timeout) before it advances time.
/// </summary>
internal sealed class TestTimeProvider : FakeTimeProvider
{
    private int _timers;

    public TestTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Gets the number of timers created so far.</summary>
    public int TimersCreated => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits until at least <paramref name="count"/> timers exist: what the code under test waits on is armed.</summary>
    public Task WaitForTimersAsync(int count, string what) =>
        Eventually.WaitAsync(() => TimersCreated >= count, $"{what} (timers created: {TimersCreated}, expected {count})");
}
