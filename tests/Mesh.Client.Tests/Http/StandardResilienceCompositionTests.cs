using System.Net;
using Mesh.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Http.Tests;

/// <summary>
/// The mesh composed with a user's own <c>AddStandardResilienceHandler()</c>, added first so it
/// sits outside the mesh. IHttpClientFactory runs handlers in the order they were added, so a
/// request goes:
/// <code>
/// standard handler: rate limiter → total timeout → retry → circuit breaker → attempt timeout
///   → mesh: route match → fault (delay, abort) → route timeout → retries (previous-host,
///     Envoy backoff, cluster maxRetries) → per-try timeout → endpoint pick, cluster limits,
///     outlier detection
///     → SocketsHttpHandler → endpoint
/// </code>
/// The mesh retries first, on other endpoints; only what it gives up on (its final answer)
/// reaches the standard handler, whose retry sends the request through the mesh again, which
/// routes and picks anew.
/// </summary>
public sealed class StandardResilienceCompositionTests : IAsyncLifetime
{
    private TestBackend _a = null!;
    private TestBackend _b = null!;
    private int _standardRetries;

    public async ValueTask InitializeAsync()
    {
        _a = await TestBackend.StartAsync("a");
        _b = await TestBackend.StartAsync("b");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task OneEndpointFails_TheMeshRetriesOnTheOther_TheStandardHandlerDoesNotRetry()
    {
        var failures = new SharedFailures(1, 503);
        (_a.Failures, _b.Failures) = (failures, failures);
        await using var mesh = Composed();

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _a.Requests + _b.Requests); // the 503, then the mesh's retry on the other endpoint
        Assert.Equal((1, 1), (_a.Requests, _b.Requests));
        Assert.Equal(0, _standardRetries);
    }

    [Fact]
    public async Task EveryEndpointFails_TheMeshGivesUp_TheStandardHandlerRetriesThroughTheMeshWhichRoutesAgain()
    {
        // Three 503s: exactly what the mesh's three attempts (1 + the route's 2 retries) use up.
        var failures = new SharedFailures(3, 503);
        (_a.Failures, _b.Failures) = (failures, failures);
        await using var mesh = Composed();

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _standardRetries);
        Assert.Equal(4, _a.Requests + _b.Requests); // the mesh's 3 attempts, then one more through the mesh
        Assert.True(_a.Requests >= 1 && _b.Requests >= 1, "the mesh's retries went to both endpoints");
        Assert.All(_a.Received.Concat(_b.Received), r => Assert.Equal("reviews:9080", r.Host)); // routed each time
    }

    [Fact]
    public async Task EveryEndpointAlwaysFails_EachStandardRetryIsAFullMeshCall()
    {
        _a.Status = 503;
        _b.Status = 503;
        await using var mesh = Composed();

        using var response = await mesh.GetAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, _standardRetries); // the standard handler's default: 3 retries
        Assert.Equal(4 * 3, _a.Requests + _b.Requests); // 4 mesh calls of 3 attempts each
    }

    // Istio's default retryOn retries no status since 1.24: the route names 503, as the tests fail with it.
    private LiveMesh Composed() => LiveMesh.Start(
        TestMesh.VirtualService("reviews", "[reviews]", "- retries: { attempts: 2, retryOn: '503' }\n  route:\n  - destination: { host: reviews }"),
        [LiveMesh.Reviews(_a.Port), LiveMesh.Reviews(_b.Port)],
        client =>
        {
            // User resilience outside, mesh inside: the order they are added in.
            client.AddStandardResilienceHandler(o =>
            {
                o.Retry.Delay = TimeSpan.Zero; // no waiting in tests; the count of retries is what matters
                o.Retry.OnRetry = _ =>
                {
                    Interlocked.Increment(ref _standardRetries);
                    return default;
                };
            });
            client.AddMesh();
        });
}
