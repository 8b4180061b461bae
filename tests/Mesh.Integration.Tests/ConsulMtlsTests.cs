using Mesh.Registry.Consul;

namespace Mesh.Integration.Tests;

/// <summary>mTLS through a real Consul agent: a service served with UseMesh() says so in its Meta, and callers' auto mTLS uses it.</summary>
public sealed class ConsulMtlsTests(ConsulFixture consul) : IClassFixture<ConsulFixture>, IDisposable
{
    private readonly ConsulClient _consul = ConsulClient.Create(ConsulConnection.Resolve(consul.Agent.Address, null));
    private readonly string _service = $"svc{Guid.NewGuid():N}"[..12];
    private readonly string _ca = Path.Combine(Path.GetTempPath(), "mesh-tests", $"ca-{Guid.NewGuid():N}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _consul.Dispose();
        if (Directory.Exists(_ca))
        {
            Directory.Delete(_ca, recursive: true);
        }
    }

    [Fact]
    public async Task UseMesh_RegistersTlsModeAndServiceAccount_CallerUsesIstioMutualWithThatIdentity()
    {
        await using var backend = await Backend.StartAsync(consul.Agent.Address, _service, "v1", new Dictionary<string, string?>
        {
            ["Mesh:ServiceAccount"] = "acct-x",
            ["Mesh:Certificates:Source"] = "LocalCa", // Consul's CA (the default with the Consul registry) names the service
            ["Mesh:Certificates:LocalCa:Directory"] = _ca,
        }, useMesh: true);
        await Wait.UntilAsync(async () => (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value.Length == 1, $"{_service} to register and pass its (plaintext, PERMISSIVE) check");
        var entry = (await _consul.GetHealthServiceAsync(_service, true, 0, TimeSpan.Zero, Ct)).Value[0];
        Assert.Equal("istio", entry.Service.Meta![ConsulMeta.TlsMode]);
        Assert.Equal("acct-x", entry.Service.Meta[ConsulMeta.ServiceAccount]);

        await using var client = await MeshClient.StartAsync(consul.Agent.Address, new Dictionary<string, string?>
        {
            ["Mesh:Consul:KeyPrefix"] = $"t/{_service}/",
            ["Mesh:Certificates:Source"] = "LocalCa",
            ["Mesh:Certificates:LocalCa:Directory"] = _ca,
        });

        Assert.Equal(backend.InstanceId, await client.CallAsync(_service));
        var cluster = client.Provider.Current.Clusters.Values.Single(c => c.Service.Name == _service);
        Assert.Equal("ISTIO_MUTUAL", cluster.Tls!.Mode);
        Assert.True(cluster.Tls.IsAuto);
        Assert.Equal([$"spiffe://cluster.local/ns/default/sa/acct-x"], cluster.Tls.SubjectAltNames);
    }
}
