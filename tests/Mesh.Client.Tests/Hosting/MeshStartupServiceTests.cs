using Mesh.Telemetry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Hosting.Tests;

public sealed class MeshStartupServiceTests
{
    [Fact]
    public async Task StartAsync_NoMeshSection_LogsOneWarningThatNoServicesAreConfigured()
    {
        var logs = await StartAsync(new Dictionary<string, string?>());

        var warning = Assert.Single(logs, r => r.Level >= LogLevel.Warning);
        Assert.Equal(MeshEventIds.NoMeshServicesConfigured, warning.Id.Id);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("No mesh services are configured: the 'Mesh' configuration section is missing", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_StaticServicesConfigured_DoesNotWarn()
    {
        var logs = await StartAsync(new Dictionary<string, string?> { ["Mesh:Static:Services:reviews:0:Port"] = "9080" });

        Assert.DoesNotContain(logs, r => r.Id.Id == MeshEventIds.NoMeshServicesConfigured);
    }

    [Fact]
    public async Task StartAsync_ServeOnlyWorkloadWithUseMesh_DoesNotWarn()
    {
        using var ca = new Mesh.Tests.TempDirectory();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateEmptyBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Service"] = "reviews", ["Mesh:Certificates:LocalCa:Directory"] = ca.Path });
        builder.Logging.AddFakeLogging();
        builder.Services.AddMesh();
        builder.WebHost.UseKestrelCore().UseMesh();
        await using var app = builder.Build();
        var startup = app.Services.GetServices<IHostedService>().OfType<MeshStartupService>().Single();
        await startup.StartAsync(TestContext.Current.CancellationToken);

        Assert.DoesNotContain(app.Services.GetRequiredService<FakeLogCollector>().GetSnapshot(), r => r.Id.Id == MeshEventIds.NoMeshServicesConfigured);
    }

    private static async Task<IReadOnlyList<FakeLogRecord>> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFakeLogging();
        builder.Services.AddMesh();
        using var host = builder.Build();
        var startup = host.Services.GetServices<IHostedService>().OfType<MeshStartupService>().Single();
        await startup.StartAsync(TestContext.Current.CancellationToken);

        return host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
    }
}
