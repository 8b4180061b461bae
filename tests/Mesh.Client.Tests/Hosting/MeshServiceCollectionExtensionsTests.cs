using System.Net;
using Mesh.Http;
using Mesh.Snapshot;
using Mesh.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting.Tests;

public sealed class MeshServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AddMesh_BoundFromConfiguration_RoutesWithTheStaticRegistry()
    {
        _directory.Write("reviews.yaml", TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", """
            - match:
              - headers: { end-user: { exact: jason } }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
            """)));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Service"] = "productpage",
            ["Mesh:Static:ConfigDirectory"] = _directory.Path,
            ["Mesh:Static:Services:reviews:0:Address"] = "10.0.0.1",
            ["Mesh:Static:Services:reviews:0:Port"] = "9080",
            ["Mesh:Static:Services:reviews:0:Labels:version"] = "v1",
            ["Mesh:Static:Services:reviews:1:Address"] = "10.0.0.2",
            ["Mesh:Static:Services:reviews:1:Port"] = "9080",
            ["Mesh:Static:Services:reviews:1:Labels:version"] = "v2",
        }).Build();
        var network = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(new TestTransportFactory(network));
        services.AddMesh();
        services.AddHttpClient("reviews").AddMesh();
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("reviews");
        using var jason = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/reviews/0");
        jason.Headers.Add("end-user", "jason");

        using var first = await client.SendAsync(jason, TestContext.Current.CancellationToken);
        using var second = await client.GetAsync(new Uri("http://reviews:9080/reviews/0"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(["10.0.0.2", "10.0.0.1"], network.Requests.Select(r => r.Uri.Host));
        Assert.Equal("productpage", provider.GetRequiredService<IOptions<MeshOptions>>().Value.Service);
    }

    [Fact]
    public async Task AddMesh_InDefaults_AClientsOwnHandlerStillSeesMeshRequests()
    {
        // ConfigureHttpClientDefaults runs before the client's own configuration, so its handler is added after the
        // mesh's; the mesh sends through its own pools, so it must be innermost for that handler to see the request.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Static:Services:reviews:0:Address"] = "10.0.0.1",
            ["Mesh:Static:Services:reviews:0:Port"] = "9080",
        }).Build();
        var network = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(new TestTransportFactory(network));
        services.AddMesh();
        services.ConfigureHttpClientDefaults(b => b.AddMesh());
        services.AddHttpClient("reviews").AddHttpMessageHandler(() => new SetHeader("end-user", "jason")).AddMesh();
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("reviews");

        using var response = await client.GetAsync(new Uri("http://reviews:9080/reviews/0"), TestContext.Current.CancellationToken);

        var sent = network.Single;
        Assert.Equal(new Uri("http://10.0.0.1:9080/reviews/0"), sent.Uri);
        Assert.Equal(["jason"], sent.Headers["end-user"]);
    }

    private sealed class SetHeader(string name, string value) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(name, value);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task AddMesh_ClientsOwnPrimaryHandler_UsedForOtherHostsOnly()
    {
        // As behind a sidecar: the mesh's connection pools carry mesh traffic; the client's own handler the rest.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Static:Services:reviews:0:Address"] = "10.0.0.1",
            ["Mesh:Static:Services:reviews:0:Port"] = "9080",
        }).Build();
        var mesh = new RecordingHandler();
        var primary = new RecordingHandler();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<Mesh.Transport.IMeshTransportFactory>(new TestTransportFactory(mesh));
        services.AddMesh();
        services.AddHttpClient("any").AddMesh().ConfigurePrimaryHttpMessageHandler(() => primary);
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("any");

        using var meshed = await client.GetAsync(new Uri("http://reviews:9080/reviews/0"), TestContext.Current.CancellationToken);
        using var other = await client.GetAsync(new Uri("http://example.org/"), TestContext.Current.CancellationToken);

        Assert.Equal(new Uri("http://10.0.0.1:9080/reviews/0"), mesh.Single.Uri);
        Assert.Equal(new Uri("http://example.org/"), primary.Single.Uri);
    }

    [Fact]
    public void AddMesh_ConfigureRunsAfterBinding()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Namespace"] = "bound" }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMesh(o => o.Service = "configured");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MeshOptions>>().Value;

        Assert.Equal(("bound", "configured"), (options.Namespace, options.Service));
    }

    [Fact]
    public async Task AddMesh_InvalidConfigDocuments_HostStartFailsListingEveryError()
    {
        _directory.Write("reviews.yaml", TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v1 }\n  mirror: { host: reviews }"));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMesh(o => o.Static.ConfigDirectory = _directory.Path);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<Configuration.MeshConfigException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["spec.http[0].route[0].destination.subset", "spec.http[0].mirror"], ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void AddMesh_CalledTwice_OneProviderAndOneValidator()
    {
        var services = new ServiceCollection();
        services.AddMesh();
        services.AddMesh();

        Assert.Single(services, d => d.ServiceType == typeof(MeshSnapshotProvider));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<MeshOptions>) && d.ImplementationType == typeof(MeshOptionsValidator));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(MeshStartupService));
        Assert.Single(services, d => d.ServiceType == typeof(MeshHttpHandler));
    }

    public void Dispose() => _directory.Dispose();
}
