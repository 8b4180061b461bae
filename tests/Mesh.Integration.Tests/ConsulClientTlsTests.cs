using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Registry.Consul;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Integration.Tests;

/// <summary>
/// An https Consul address with its CA, and the token header. The dev agent serves plain http, so
/// a Kestrel endpoint with a certificate from a test CA stands in for Consul's status API here.
/// </summary>
public sealed class ConsulClientTlsTests : IAsyncLifetime
{
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), $"mesh-test-ca-{Guid.NewGuid():N}.pem");
    private WebApplication _server = null!;
    private string? _lastToken;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Mesh Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(_caFile, ca.ExportCertificatePem(), Ct);

        using var leafKey = RSA.Create(2048);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leafPublic = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3, 4]);
        var leaf = X509CertificateLoader.LoadPkcs12(leafPublic.CopyWithPrivateKey(leafKey).Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(leaf)));
        _server = builder.Build();
        _server.MapGet("/v1/status/leader", (HttpContext context) =>
        {
            _lastToken = context.Request.Headers["X-Consul-Token"];
            return Results.Text("\"127.0.0.1:8300\"", "application/json");
        });
        await _server.StartAsync(Ct);
    }

    private string Address => _server.Urls.First();

    [Fact]
    public async Task Https_WithTheConsulCa_ConnectsAndSendsTheToken()
    {
        using var client = ConsulClient.Create(ConsulConnection.Resolve(Address, "secret-token", caFile: _caFile));

        Assert.Equal("127.0.0.1:8300", await client.GetLeaderAsync(Ct));
        Assert.Equal("secret-token", _lastToken);
    }

    [Fact]
    public async Task Https_WithoutTheCa_IsRefusedAsUnreachable()
    {
        using var client = ConsulClient.Create(ConsulConnection.Resolve(Address, null));

        var ex = await Assert.ThrowsAsync<ConsulException>(() => client.GetLeaderAsync(Ct));

        Assert.True(ex.IsUnreachable);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_caFile);
    }
}
