using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Grpc.Tests.Protos;
using Mesh.Registry;
using Mesh.Security.Authorization;
using Mesh.Telemetry;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Hosting.Tests;

/// <summary>
/// The inbound authorization that AddMesh() puts in front of the application, on a real Kestrel over TLS with client
/// certificates (a test CA, SPIFFE URI SANs), called by a real HttpClient and a real Grpc.Net.Client channel.
/// </summary>
public sealed class MeshAuthorizationMiddlewareTests : IAsyncLifetime
{
    private const string ProductPage = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";
    private const string Reviews = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";

    private readonly TestCertificates _certificates = new();
    private readonly TestStateSource _config = new([], []);
    private WebApplication? _app;
    private Uri? _address;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = _certificates.Server;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => _certificates.Validate(certificate);
            });
        }));
        builder.Services.AddSingleton<IMeshStateSource>(_config);
        builder.Services.AddMesh(o =>
        {
            o.Service = "productpage";
            o.Namespace = "default";
        });
        builder.Services.AddGrpc();
        _app = builder.Build();
        _app.MapGet("/productpage", () => "Bookinfo Sample");
        _app.MapGet("/secret", () => "secret");
        _app.MapMethods("/metrics", ["GET", "POST"], () => "# metrics");
        _app.MapGrpcService<SayService>();
        await _app.StartAsync(TestContext.Current.CancellationToken);
        _address = new Uri(_app.Urls.First().Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _certificates.Dispose();
    }

    [Fact]
    public async Task Http_DeniedRequest_Gets403WithEnvoysBody()
    {
        Apply(Policy("deny-secret", "action: DENY\nrules: [{ to: [{ operation: { paths: [/secret] } }] }]"));
        using var client = Client(ProductPage);

        using var denied = await client.GetAsync(new Uri(_address!, "/secret"), TestContext.Current.CancellationToken);
        using var allowed = await client.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("RBAC: access denied", await denied.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("text/plain", denied.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("Bookinfo Sample", await allowed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, _app!.Services.GetRequiredService<AuthorizationCounters>().Denied);
        var log = Assert.Single(_app.Services.GetRequiredService<FakeLogCollector>().GetSnapshot(), r => r.Id.Id == MeshEventIds.AuthorizationDenied);
        Assert.Equal("RBAC: access denied to GET /secret from principal cluster.local/ns/default/sa/bookinfo-productpage at 127.0.0.1: DENY policy default/deny-secret matched", log.Message);
    }

    [Fact]
    public async Task Grpc_DeniedCall_EndsWithPermissionDenied()
    {
        Apply(Policy("say-only", "rules: [{ to: [{ operation: { methods: [POST], paths: [/mesh.test.v1.Echo/Say] } }] }]"));
        using var channel = Channel(ProductPage);
        var echo = new Echo.EchoClient(channel);

        var reply = await echo.SayAsync(new EchoRequest { Text = "hi" }, cancellationToken: TestContext.Current.CancellationToken);
        var denied = await Assert.ThrowsAsync<RpcException>(() => echo.OtherAsync(new EchoRequest { Text = "hi" }, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync);

        Assert.Equal("hi", reply.Text);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("RBAC: access denied", denied.Status.Detail);
    }

    [Fact]
    public async Task Principal_FromTheClientCertificate_DecidesAndAPolicyChangeAppliesToTheNextRequest()
    {
        Apply(Policy("details-viewer", "rules: [{ from: [{ source: { principals: [cluster.local/ns/default/sa/bookinfo-reviews] } }], to: [{ operation: { methods: [GET] } }] }]"));
        using var productpage = Client(ProductPage);
        using var reviews = Client(Reviews);

        using var first = await productpage.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);
        using var asReviews = await reviews.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);
        Apply(Policy("details-viewer", "rules: [{ from: [{ source: { principals: [cluster.local/ns/default/sa/bookinfo-productpage] } }], to: [{ operation: { methods: [GET] } }] }]"));
        using var second = await productpage.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asReviews.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Namespace_FromTheClientCertificate_IsMatched()
    {
        Apply(Policy("from-prod", "rules: [{ from: [{ source: { namespaces: [prod] } }] }]"));
        using var fromDefault = Client(ProductPage);
        using var fromProd = Client("spiffe://cluster.local/ns/prod/sa/web");

        using var denied = await fromDefault.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);
        using var allowed = await fromProd.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task PolicyForAnotherWorkload_DoesNotApply()
    {
        Apply(Policy("reviews-only", "selector: { matchLabels: { app: reviews } }"));
        using var client = Client(ProductPage);

        using var response = await client.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowNothing_LeavesTheRegistryHealthCheckAnswered()
    {
        Apply(Policy("allow-nothing", "{}"));
        using var client = Client(ProductPage);

        using var health = await client.GetAsync(new Uri(_address!, new MeshOptions().Consul.HealthPath), TestContext.Current.CancellationToken);
        using var page = await client.GetAsync(new Uri(_address!, "/productpage"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
    }

    [Fact]
    public async Task AllowNothing_LeavesMetricsScrapesAnswered_OnlyGetOnThatPath()
    {
        Apply(Policy("allow-nothing", "{}"));
        using var client = Client(ProductPage);

        using var scrape = await client.GetAsync(new Uri(_address!, "/metrics"), TestContext.Current.CancellationToken);
        using var post = await client.PostAsync(new Uri(_address!, "/metrics"), null, TestContext.Current.CancellationToken);
        using var below = await client.GetAsync(new Uri(_address!, "/metrics/x"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, below.StatusCode);
    }

    private static string Policy(string name, string spec) =>
        $"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{ name: {name}, namespace: default }}\nspec:\n" +
        string.Join('\n', spec.Split('\n').Select(line => "  " + line));

    /// <summary>Replaces the config and raises the source's change, which applies it before returning (the provider reloads synchronously).</summary>
    private void Apply(string yaml)
    {
        _config.State = new MeshState(TestMesh.Parse(yaml), [], TestMesh.ByService([]));
        _config.RaiseChanged();
        Assert.Null(_app!.Services.GetRequiredService<Runtime.IMeshStatus>().LastRejection);
    }

    private SocketsHttpHandler Handler(string spiffeId)
    {
        var client = _certificates.Client(spiffeId);
        return new SocketsHttpHandler
        {
            SslOptions =
            {
                ClientCertificates = new X509CertificateCollection { client },
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 c && _certificates.Validate(c),
            },
        };
    }

    private HttpClient Client(string spiffeId) => new(Handler(spiffeId)) { DefaultRequestVersion = HttpVersion.Version20 };

    private GrpcChannel Channel(string spiffeId) => GrpcChannel.ForAddress(_address!, new GrpcChannelOptions { HttpHandler = Handler(spiffeId) });

    private sealed class SayService : Echo.EchoBase
    {
        public override Task<EchoReply> Say(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoReply { Server = "productpage", Text = request.Text });

        public override Task<EchoReply> Other(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoReply { Server = "productpage", Text = request.Text });
    }
}
