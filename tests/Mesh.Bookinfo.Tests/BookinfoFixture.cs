using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>
/// One Bookinfo per ratings protocol (and mTLS on or off) for a test class, started on first use and shared by its tests (which run one
/// after another): each test starts with <see cref="BookinfoHarness.ResetAsync"/>, from no config, signed out.
/// </summary>
public sealed class BookinfoFixture : IAsyncLifetime
{
    private readonly Dictionary<string, BookinfoHarness> _running = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets the Bookinfo whose reviews call ratings over <paramref name="ratingsProtocol"/>, with mTLS (the default) or
    /// without (<c>--no-mtls</c>), reset for a new test.
    /// </summary>
    internal async Task<BookinfoHarness> GetAsync(string ratingsProtocol, bool mtls = true)
    {
        var key = mtls ? ratingsProtocol : $"{ratingsProtocol} --no-mtls";
        if (!_running.TryGetValue(key, out var bookinfo))
        {
            bookinfo = _running[key] = await BookinfoHarness.StartAsync(ratingsProtocol, mtls);
            return bookinfo;
        }

        await bookinfo.ResetAsync();
        return bookinfo;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var bookinfo in _running.Values)
        {
            await bookinfo.DisposeAsync();
        }
    }
}
