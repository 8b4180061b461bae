using System.Diagnostics.Metrics;

namespace Mesh.Server.Xds;

/// <summary>
/// Mesh.Server's metrics (meter <c>Mesh.Server</c>): xDS responses sent and NACKs received per type,
/// open ADS streams, and config updates applied or refused.
/// </summary>
internal sealed class XdsMetrics
{
    public const string MeterName = "Mesh.Server";

    public XdsMetrics(IMeterFactory meterFactory, XdsClients clients)
    {
        var meter = meterFactory.Create(MeterName);
        Responses = meter.CreateCounter<long>("mesh.server.xds.responses", "{response}", "xDS responses sent, by type (LDS, RDS, CDS, EDS).");
        Nacks = meter.CreateCounter<long>("mesh.server.xds.nacks", "{nack}", "xDS responses a client rejected, by type.");
        ConfigUpdates = meter.CreateCounter<long>("mesh.server.config.updates", "{update}", "Registry or config updates, by outcome (applied, rejected).");
        meter.CreateObservableUpDownCounter("mesh.server.xds.clients", () => (long)clients.Count, "{stream}", "Open ADS streams.");
    }

    public Counter<long> Responses { get; }

    public Counter<long> Nacks { get; }

    public Counter<long> ConfigUpdates { get; }
}
