using System.Diagnostics.Metrics;

namespace Mesh.Telemetry;

/// <summary>The mesh's instruments, on the meter named <see cref="MeshTelemetry.MeterName"/>.</summary>
internal sealed class MeshMetrics : IDisposable
{
    private readonly Meter _meter;

    public MeshMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeshTelemetry.MeterName);
        ConfigUpdates = _meter.CreateCounter<long>("mesh.config.updates", description: "Config updates, by outcome (applied or rejected).");
        Requests = _meter.CreateCounter<long>("mesh.client.requests", description: "Outbound requests the mesh handled, by outcome (routed, route_not_found, no_healthy_upstream).");
    }

    public Counter<long> ConfigUpdates { get; }

    public Counter<long> Requests { get; }

    public void Dispose() => _meter.Dispose();
}
