using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests.Support;

/// <summary>A real HTTP/1.1 server on loopback (Kestrel, port 0) whose <c>/metrics</c> answers what the test sets: a body, a status, or no answer until the request is aborted.</summary>
internal sealed class MetricsBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _body = "";
    private int _requests;

    private MetricsBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Gets or sets the status /metrics answers with.</summary>
    public int Status { get; set; } = 200;

    /// <summary>Gets or sets a value indicating whether /metrics never answers (until the client gives up).</summary>
    public bool Hang { get; set; }

    /// <summary>Gets the /metrics requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Gets or sets the exposition /metrics answers with.</summary>
    public string Body
    {
        get => _body;
        set => _body = value;
    }

    public static async Task<MetricsBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new MetricsBackend(app);
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            Interlocked.Increment(ref backend._requests);
            if (backend.Hang)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
                return;
            }

            context.Response.StatusCode = backend.Status;
            context.Response.ContentType = "text/plain; version=0.0.4";
            await context.Response.WriteAsync(backend.Body, context.RequestAborted);
        });
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
