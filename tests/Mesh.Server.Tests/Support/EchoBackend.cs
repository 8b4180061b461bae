using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Server.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
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

    /// <param name="name">The name it answers with.</param>
    /// <param name="tls">Serve mTLS with this certificate, requiring a client certificate that <paramref name="roots"/> issued; null for plaintext.</param>
    /// <param name="roots">The roots a client certificate must chain to.</param>
    public static async Task<EchoBackend> StartAsync(string name, X509Certificate2? tls = null, X509Certificate2Collection? roots = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            if (tls is not null)
            {
                o.UseHttps(tls, https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) =>
                    {
                        using var chain = new X509Chain();
                        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                        chain.ChainPolicy.CustomTrustStore.AddRange(roots!);
                        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                        return chain.Build(certificate);
                    };
                });
            }

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
