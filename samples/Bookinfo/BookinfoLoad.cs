using System.Net;

namespace Bookinfo;

/// <summary>
/// Steady traffic for the dashboard's graph: <c>GET /productpage</c> at a fixed rate, a request every 1/rate seconds on
/// the given <see cref="TimeProvider"/>, at most <see cref="MaxInFlight"/> in flight (a tick finding them all busy is skipped).
/// Alternates a signed-out and a signed-in user (<c>jason</c>), as Istio's walkthrough pages do.
/// </summary>
public static class BookinfoLoad
{
    /// <summary>The most requests in flight at once.</summary>
    public const int MaxInFlight = 32;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; returns the number of requests sent.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requestsPerSecond"/> is not between 0.1 and 10000.</exception>
    public static async Task<long> RunAsync(Uri productPage, double requestsPerSecond, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(productPage);
        ArgumentOutOfRangeException.ThrowIfLessThan(requestsPerSecond, 0.1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(requestsPerSecond, 10000);
        using var anonymous = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = productPage };
        using var signedIn = new HttpClient(new SocketsHttpHandler { UseProxy = false, CookieContainer = Cookies(productPage) }) { BaseAddress = productPage };
        using var slots = new SemaphoreSlim(MaxInFlight);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / requestsPerSecond), time);
        long sent = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!slots.Wait(0, CancellationToken.None))
                {
                    continue;
                }

                var client = sent++ % 2 == 0 ? anonymous : signedIn;
                _ = SendAsync(client, slots, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // Let the requests in flight end before the clients are disposed.
        for (var i = 0; i < MaxInFlight; i++)
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return sent;
    }

    private static CookieContainer Cookies(Uri productPage)
    {
        var cookies = new CookieContainer();
        cookies.Add(productPage, new Cookie(ProductPage.UserCookie, "jason"));
        return cookies;
    }

    private static async Task SendAsync(HttpClient client, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(new Uri("productpage", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // Load only: a failed request shows on the dashboard as an error.
        }
        finally
        {
            slots.Release();
        }
    }
}
