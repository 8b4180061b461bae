using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Mesh.Grpc.Tests.Protos;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Tests;

/// <summary>
/// A real Grpc.AspNetCore server (h2c) on a free loopback port, serving <c>Echo</c>. Replies name the backend, so a
/// test can tell which endpoint answered. It fails on command: the next <see cref="FailNext"/> calls end with a status
/// before any message, and while <see cref="Hang"/> is set calls wait until the caller gives up.
/// </summary>
internal sealed class GrpcBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StatusCode> _failures = new();
    private readonly ConcurrentQueue<ReceivedCall> _received = new();
    private int _calls;
    private int _active;
    private volatile bool _hang;

    private GrpcBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    public int Port { get; private set; }

    /// <summary>Gets the number of calls that reached this backend.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets the number of calls in progress on this backend now.</summary>
    public int Active => Volatile.Read(ref _active);

    public IReadOnlyCollection<ReceivedCall> Received => _received;

    /// <summary>Gets or sets a value indicating whether calls wait (until the caller cancels or its deadline passes).</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    /// <summary>Starts counting <see cref="Calls"/> from 0 again.</summary>
    public void ResetCalls() => Interlocked.Exchange(ref _calls, 0);

    /// <summary>Makes the next <paramref name="count"/> calls fail with <paramref name="status"/> (a trailers-only response).</summary>
    public void FailNext(StatusCode status, int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue(status);
        }
    }

    public static async Task<GrpcBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        GrpcBackend? backend = null;
        builder.Services.AddSingleton(_ => new EchoService(backend!));
        var app = builder.Build();
        backend = new GrpcBackend(name, app);
        app.MapGrpcService<EchoService>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    /// <summary>Waits until <paramref name="count"/> calls are in progress here.</summary>
    public Task WaitForActiveAsync(int count) =>
        Eventually.WaitAsync(() => Active >= count, $"{count} call(s) in progress on backend {Name} (it has {Active})");

    public async ValueTask DisposeAsync()
    {
        _hang = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task<EchoReply> BeginAsync(string method, ServerCallContext context)
    {
        Interlocked.Increment(ref _calls);
        _received.Enqueue(new ReceivedCall(method, context.Host, context.RequestHeaders.Where(h => !h.IsBinary).ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase), context.Deadline));
        if (_failures.TryDequeue(out var failure))
        {
            throw new RpcException(new Status(failure, $"{Name} failed on command"));
        }

        if (_hang)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "the caller went away"));
            }
        }

        var deadline = context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds;
        return new EchoReply { Server = Name, Authority = context.Host, DeadlineMs = deadline };
    }

    /// <summary>The Echo service of one backend.</summary>
    private sealed class EchoService(GrpcBackend backend) : Echo.EchoBase
    {
        public override async Task<EchoReply> Say(EchoRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref backend._active);
            try
            {
                var reply = await backend.BeginAsync("Say", context);
                reply.Text = request.Text;
                return reply;
            }
            finally
            {
                Interlocked.Decrement(ref backend._active);
            }
        }

        public override async Task<EchoReply> Other(EchoRequest request, ServerCallContext context)
        {
            var reply = await backend.BeginAsync("Other", context);
            reply.Text = request.Text;
            return reply;
        }

        public override async Task Stream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref backend._active);
            try
            {
                var reply = await backend.BeginAsync("Stream", context);
                for (var i = 0; i < request.Count; i++)
                {
                    await responseStream.WriteAsync(new EchoReply(reply) { Text = $"{request.Text} {i}" }, context.CancellationToken);
                }

                // "fail" fails the stream after its messages: the status comes in trailers, not trailers-only.
                if (request.Text == "fail")
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"{backend.Name} failed after {request.Count} message(s)"));
                }

                // A stream held open (count < 0) ends when the caller goes away.
                if (request.Count < 0)
                {
                    await responseStream.WriteAsync(new EchoReply(reply) { Text = "open" }, context.CancellationToken);
                    await Task.Delay(Timeout.Infinite, context.CancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
                }
            }
            finally
            {
                Interlocked.Decrement(ref backend._active);
            }
        }

        public override async Task<EchoReply> Collect(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
        {
            var reply = await backend.BeginAsync("Collect", context);
            var texts = new List<string>();
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                texts.Add(request.Text);
            }

            reply.Text = string.Join(",", texts);
            return reply;
        }

        public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            var reply = await backend.BeginAsync("Chat", context);
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new EchoReply(reply) { Text = request.Text }, context.CancellationToken);
            }
        }
    }
}

/// <summary>One call as a <see cref="GrpcBackend"/> received it.</summary>
internal sealed record ReceivedCall(string Method, string Authority, Dictionary<string, string> Metadata, DateTime Deadline);
