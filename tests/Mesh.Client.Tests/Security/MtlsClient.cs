using System.Globalization;
using Mesh.Snapshot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Security.Tests;

/// <summary>
/// A meshed caller as an app wires it: <c>AddMesh</c> with the static registry naming one service's instances on loopback
/// ports (labelled <c>security.istio.io/tlsMode: istio</c> unless told otherwise, so auto mTLS applies), the local CA in the
/// given directory, and an IHttpClientFactory client with <c>.AddMesh()</c>.
/// </summary>
internal sealed class MtlsClient : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly Mesh.Tests.TempDirectory _config;

    private MtlsClient(ServiceProvider services, Mesh.Tests.TempDirectory config)
    {
        _services = services;
        _config = config;
        Client = services.GetRequiredService<IHttpClientFactory>().CreateClient("mtls");
        Client.Timeout = TimeSpan.FromSeconds(20);
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _services;

    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    public MeshSecurity Security => _services.GetRequiredService<MeshSecurity>();

    public MeshSnapshotProvider Provider => _services.GetRequiredService<MeshSnapshotProvider>();

    /// <param name="caDirectory">The local CA's directory.</param>
    /// <param name="service">The destination service's name.</param>
    /// <param name="ports">The destination's instances.</param>
    /// <param name="serviceAccount">The service account the registry says the instances run as; null for the service name.</param>
    /// <param name="tlsMode">The instances' tlsMode label; null for none (plaintext under auto mTLS).</param>
    /// <param name="yaml">Mesh config documents.</param>
    /// <param name="time">The clock; null for the system's.</param>
    /// <param name="configure">More services (gRPC clients).</param>
    public static MtlsClient Start(string caDirectory, string service, int[] ports, string? serviceAccount = null, string? tlsMode = "istio", string yaml = "", TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var config = new Mesh.Tests.TempDirectory();
        if (yaml.Length > 0)
        {
            config.Write("mesh.yaml", yaml);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Mesh:Service"] = "productpage",
            ["Mesh:Static:ConfigDirectory"] = config.Path,
            ["Mesh:Certificates:LocalCa:Directory"] = caDirectory,
        };
        for (var i = 0; i < ports.Length; i++)
        {
            var prefix = $"Mesh:Static:Services:{service}:{i}:";
            settings[prefix + "Address"] = "127.0.0.1";
            settings[prefix + "Port"] = ports[i].ToString(CultureInfo.InvariantCulture);
            if (serviceAccount is not null)
            {
                settings[prefix + "ServiceAccount"] = serviceAccount;
            }

            if (tlsMode is not null)
            {
                settings[prefix + "Labels:security.istio.io/tlsMode"] = tlsMode;
            }
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(b => b.AddFakeLogging());
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddMesh();
        services.AddHttpClient("mtls").AddMesh();
        configure?.Invoke(services);
        return new MtlsClient(services.BuildServiceProvider(), config);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _services.DisposeAsync();
        _config.Dispose();
    }
}
