using System.Net;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Hosting.Tests;

/// <summary>Policies read from the static registry's YAML files, on a plaintext Kestrel: a request has no peer identity there.</summary>
public sealed class MeshAuthorizationStaticFilesTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task StaticFiles_BookinfoProductPageViewer_AllowsGetAndDeniesPostAndHeadWithoutIdentity()
    {
        foreach (var name in (string[])["allow-nothing", "productpage-viewer"])
        {
            File.Copy(Path.Combine(RepoPaths.Root, "samples", "Bookinfo", "security", name + ".yaml"), Path.Combine(_directory.Path, name + ".yaml"));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Configuration["Mesh:Service"] = "productpage";
        builder.Configuration["Mesh:Static:ConfigDirectory"] = _directory.Path;
        builder.Services.AddMesh();
        await using var app = builder.Build();
        app.MapMethods("/productpage", ["GET", "POST"], () => "Bookinfo Sample");
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var get = await client.GetAsync(new Uri("/productpage", UriKind.Relative), TestContext.Current.CancellationToken);
        using var post = await client.PostAsync(new Uri("/productpage", UriKind.Relative), new StringContent(""), TestContext.Current.CancellationToken);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/productpage", UriKind.Relative)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal("RBAC: access denied", await post.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        Assert.Equal(19, head.Content.Headers.ContentLength);
    }
}
