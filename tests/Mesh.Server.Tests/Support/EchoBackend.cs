using System.Net;
using Grpc.Core;
using Mesh.Server.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests.Support;

/// <summary>A real gRPC backend on loopback (Kestrel, HTTP/2 cleartext, port 0) that answers with its name and counts the calls it served.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Counter _counter;

    private EchoBackend(string name, WebApplication app, Counter counter, int port)
    {
        Name = name;
        _app = app;
        _counter = counter;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Gets the calls this backend answered so far.</summary>
    public int Calls => _counter.Value;

    public static async Task<EchoBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            listen = o;
        }));
        var counter = new Counter();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new EchoService(name, counter));
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        return new EchoBackend(name, app, counter, listen!.IPEndPoint!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Counter
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);
    }

    internal sealed class EchoService(string name, Counter counter) : Echo.Echo.EchoBase
    {
        public override Task<EchoReply> Say(EchoRequest request, ServerCallContext context)
        {
            counter.Increment();
            return Task.FromResult(new EchoReply { Backend = name, Message = request.Message });
        }
    }
}
