using System.Diagnostics.Metrics;
using Mesh.Security.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Mesh.Telemetry.Tests;

public sealed class CertificateExpiryMetricTests
{
    [Fact]
    public async Task CertificateExpiry_WorkloadAndRoots_InSeconds_OfTheSourceInForce()
    {
        using var ca = new Mesh.Tests.TempDirectory();
        await using var client = MtlsClient.Start(ca.Path, "reviews", [1]);
        var meters = client.Services.GetRequiredService<IMeterFactory>();
        var security = client.Security;
        using var expiry = new MetricCollector<double>(meters, MeshTelemetry.MeterName, "mesh.certificate.expiry");

        var credentials = security.Certificates.Current;
        expiry.RecordObservableInstruments();
        var measurements = expiry.GetMeasurementSnapshot();

        var workload = Assert.Single(measurements, m => Equals(m.Tags["certificate"], "workload"));
        Assert.Equal("LocalCa", workload.Tags["source"]);
        var left = (new DateTimeOffset(credentials.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero) - DateTimeOffset.UtcNow).TotalSeconds;
        Assert.InRange(workload.Value, left - 60, left + 60);
        Assert.InRange(workload.Value, TimeSpan.FromHours(1).TotalSeconds, TimeSpan.FromHours(24).TotalSeconds);

        var root = Assert.Single(measurements, m => Equals(m.Tags["certificate"], "root"));
        Assert.Equal(credentials.Roots[0].SerialNumber, root.Tags["serial"]);
        Assert.True(root.Value > TimeSpan.FromDays(365 * 9).TotalSeconds, $"the local CA's root lives 10 years; {root.Value} s left");
    }
}
