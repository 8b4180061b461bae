using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry.Tests;

/// <summary>
/// The inbound side over TLS (real Kestrel on loopback): a caller that presents a client certificate with a SPIFFE id is
/// reported by its principal and namespace, over <c>mutual_tls</c>; one that presents none over <c>none</c>.
/// </summary>
public sealed class MeshTelemetryMiddlewareTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientCertificateWithSpiffeId_MutualTls_PrincipalAndNamespace()
    {
        using var serverCertificate = Certificate("CN=ratings", null);
        using var clientCertificate = Certificate("CN=productpage", "spiffe://cluster.local/ns/shop/sa/productpage");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = static (_, _, _) => true,
        })));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mesh:Service"] = "ratings" });
        builder.Services.AddMesh();
        await using var app = builder.Build();
        app.MapGet("/ok", static () => "ok");
        using var requests = new MetricCollector<long>(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MeshTelemetry.MeterName, MeshTelemetry.RequestsTotal);
        await app.StartAsync(Ct);
        var address = app.Urls.First();

        using (var mutual = Client(clientCertificate))
        {
            Assert.Equal("ok", await mutual.GetStringAsync(address + "/ok", Ct));
        }

        using (var anonymous = Client(null))
        {
            Assert.Equal("ok", await anonymous.GetStringAsync(address + "/ok", Ct));
        }

        await Eventually.WaitAsync(() => requests.GetMeasurementSnapshot().Count == 2, "both requests to be recorded");
        var measurements = requests.GetMeasurementSnapshot();
        Assert.Equal(("mutual_tls", "cluster.local/ns/shop/sa/productpage", "shop"), Labels(measurements[0].Tags));
        Assert.Equal(("none", "unknown", "unknown"), Labels(measurements[1].Tags));
        Assert.Equal("ratings.default.svc.cluster.local", measurements[0].Tags["destination_service"]);
        await app.StopAsync(Ct);
    }

    private static (object?, object?, object?) Labels(IReadOnlyDictionary<string, object?> tags) =>
        (tags["connection_security_policy"], tags["source_principal"], tags["source_workload_namespace"]);

    private static HttpClient Client(X509Certificate2? certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        return new HttpClient(handler);
    }

    private static X509Certificate2 Certificate(string subject, string? spiffeId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (spiffeId is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(spiffeId));
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        }
        else
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }

        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // Through PKCS#12, so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
