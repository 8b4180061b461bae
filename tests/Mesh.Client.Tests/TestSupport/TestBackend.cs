using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Tests;

/// <summary>
/// A real Kestrel upstream on a free loopback port that fails on command: it answers
/// <see cref="Status"/> (200 unless told otherwise), takes its answer from shared
/// <see cref="Failures"/> first, or holds requests while <see cref="Hang"/> is set, until
/// <see cref="Release"/> or the caller gives up. Its body is its <see cref="Name"/>, so a test
/// can tell which endpoint answered.
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<BackendRequest> _received = new();
    private CancellationTokenSource _release = new();
    private int _requests;
    private volatile int _status = 200;
    private volatile bool _hang;

    private TestBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    public int Port { get; private set; }

    /// <summary>Gets or sets the status of the answers.</summary>
    public int Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>Gets or sets a value indicating whether requests are held (until <see cref="Release"/> or the caller gives up) before they are answered.</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    /// <summary>Gets or sets failures shared with other backends: while some are left, a request takes one and answers its status.</summary>
    public SharedFailures? Failures { get; set; }

    /// <summary>Gets the number of requests that reached this backend.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Gets the requests received, as Kestrel saw them.</summary>
    public IReadOnlyCollection<BackendRequest> Received => _received;

    public static async Task<TestBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new TestBackend(name, app);
        app.Run(backend.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    /// <summary>Answers the requests held so far; later ones are held again while <see cref="Hang"/> is set.</summary>
    public void Release()
    {
        var old = Interlocked.Exchange(ref _release, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    /// <summary>Waits until <paramref name="count"/> requests have reached this backend.</summary>
    public Task WaitForRequestsAsync(int count) =>
        Eventually.WaitAsync(() => Requests >= count, $"{count} request(s) to reach backend {Name} (it has {Requests})");

    private async Task HandleAsync(HttpContext context)
    {
        _received.Enqueue(new BackendRequest(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Host.Value ?? "",
            context.Request.Headers.Connection.ToString()));
        Interlocked.Increment(ref _requests);
        if (_hang)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Volatile.Read(ref _release).Token);
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return; // the caller gave up (a timeout); nobody reads an answer
            }
            catch (OperationCanceledException)
            {
                // released: answer below
            }
        }

        context.Response.StatusCode = Failures?.TryTake() is { } failure ? failure : _status;
        await context.Response.WriteAsync(Name, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        // Held requests would hold up shutdown: let them go first.
        _hang = false;
        _release.Cancel();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _release.Dispose();
    }
}

/// <summary>One request as a <see cref="TestBackend"/> received it.</summary>
internal sealed record BackendRequest(string Method, string PathAndQuery, string Host, string Connection);

/// <summary>A number of failures several backends draw from: the first <c>count</c> requests to any of them answer <c>status</c>.</summary>
internal sealed class SharedFailures(int count, int status)
{
    private int _left = count;

    public int Left => Math.Max(0, Volatile.Read(ref _left));

    public int? TryTake() => Interlocked.Decrement(ref _left) >= 0 ? status : null;
}
