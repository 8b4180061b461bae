using System.Globalization;
using System.Net;
using Grpc.Core;
using Mesh.Grpc.Tests.Protos;
using Mesh.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Security.Tests;

/// <summary>
/// A real Kestrel host on a free loopback port served with <c>UseMesh()</c>: the mesh (static registry, local CA in a
/// given directory) and a PeerAuthentication from <paramref name="yaml"/>. <c>GET /</c> answers who the peer was
/// (the SPIFFE ID of <see cref="IMeshPeerIdentityFeature"/> and the subject of <c>Connection.ClientCertificate</c>);
/// gRPC <c>Echo.Say</c> answers the same in its text.
/// </summary>
internal sealed class MtlsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private MtlsServer(WebApplication app, Mesh.Tests.TempDirectory config)
    {
        _app = app;
        Config = config;
    }

    public int Port { get; private set; }

    public Mesh.Tests.TempDirectory Config { get; }

    public int Requests => Volatile.Read(ref _requests);

    public IServiceProvider Services => _app.Services;

    public FakeLogCollector Logs => _app.Services.GetFakeLogCollector();

    public MeshInbound Inbound => _app.Services.GetRequiredService<MeshInbound>();

    public MeshSecurity Security => _app.Services.GetRequiredService<MeshSecurity>();

    public static async Task<MtlsServer> StartAsync(string caDirectory, string service, string yaml = "", TimeProvider? time = null, Dictionary<string, string?>? settings = null)
    {
        var config = new Mesh.Tests.TempDirectory();
        if (yaml.Length > 0)
        {
            config.Write("mesh.yaml", yaml);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = service,
            ["Mesh:Static:ConfigDirectory"] = config.Path,
            ["Mesh:Certificates:LocalCa:Directory"] = caDirectory,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2));
        builder.WebHost.UseMesh();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddMesh();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<EchoService>();
        var app = builder.Build();
        var server = new MtlsServer(app, config);
        app.MapGet("/", (HttpContext context) =>
        {
            Interlocked.Increment(ref server._requests);
            return Describe(context);
        });
        app.MapGrpcService<EchoService>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    /// <summary>What the server knows of the caller: "peer=SPIFFE_ID cert=SUBJECT proto=HTTP/x".</summary>
    public static string Describe(HttpContext context) =>
        string.Create(CultureInfo.InvariantCulture, $"peer={context.Features.Get<IMeshPeerIdentityFeature>()?.SpiffeId ?? "none"} cert={context.Connection.ClientCertificate?.Subject ?? "none"} proto={context.Request.Protocol}");

    /// <summary>Replaces the mesh config (a PeerAuthentication) and waits until the server's snapshot has it.</summary>
    public async Task ApplyAsync(string yaml)
    {
        var provider = _app.Services.GetRequiredService<Mesh.Snapshot.MeshSnapshotProvider>();
        var version = provider.Current.Version;
        Config.Write("mesh.yaml", yaml);
        var time = _app.Services.GetRequiredService<TimeProvider>() as Microsoft.Extensions.Time.Testing.FakeTimeProvider;
        await Mesh.Tests.Eventually.WaitAsync(
            () =>
            {
                time?.Advance(TimeSpan.FromMilliseconds(150));
                return provider.Current.Version > version;
            },
            "the server to apply the new PeerAuthentication");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Config.Dispose();
    }

    /// <summary>Echo.Say answers what the server knows of the caller.</summary>
    internal sealed class EchoService : Echo.EchoBase
    {
        public override Task<EchoReply> Say(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoReply { Server = "mtls", Text = Describe(context.GetHttpContext()) });
    }
}
