using System.Diagnostics.Metrics;

namespace Mesh.Telemetry;

/// <summary>
/// The mesh's instruments, on the meter named <see cref="MeshTelemetry.MeterName"/>: Istio's request metrics and the mesh's
/// own (config, retries, breaker overflows, clusters, certificate expiry, and the xDS registry's stream after gRPC's
/// <c>grpc.xds_client.*</c> names, gRFC A78).
/// </summary>
internal sealed class MeshMetrics : IDisposable
{
    /// <summary>Envoy's default histogram buckets, in milliseconds, as Istio's request duration uses them.</summary>
    public static readonly double[] DurationBuckets = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

    /// <summary>Istio's buckets for request and response sizes, in bytes: powers of ten from 1 to 10^9.</summary>
    public static readonly long[] SizeBuckets = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

    private const string ClusterTag = "cluster";

    private readonly Meter _meter;

    public MeshMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeshTelemetry.MeterName);
        ConfigUpdates = _meter.CreateCounter<long>("mesh.config.updates", "{update}", "Config updates, by outcome (applied or rejected).");
        Requests = _meter.CreateCounter<long>("mesh.client.requests", "{request}", "Outbound requests the mesh handled, by outcome (routed, route_not_found, no_healthy_upstream).");
        IstioRequests = _meter.CreateCounter<long>(MeshTelemetry.RequestsTotal, "{request}", "Requests, one per logical request (Istio's istio_requests_total).");
        IstioDuration = _meter.CreateHistogram(
            MeshTelemetry.RequestDuration,
            "ms",
            "Request duration (Istio's istio_request_duration_milliseconds).",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        IstioRequestBytes = _meter.CreateHistogram(
            MeshTelemetry.RequestBytes,
            "By",
            "Request body size (Istio's istio_request_bytes).",
            tags: null,
            new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets });
        IstioResponseBytes = _meter.CreateHistogram(
            MeshTelemetry.ResponseBytes,
            "By",
            "Response body size (Istio's istio_response_bytes).",
            tags: null,
            new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets });
        Retries = _meter.CreateCounter<long>("mesh.client.retries", "{retry}", "Retries of outbound requests (attempts after the first), by cluster.");
        Overflows = _meter.CreateCounter<long>("mesh.circuit_breaker.overflows", "{request}", "Attempts refused by a cluster's connection pool limits (Envoy's upstream_rq_pending_overflow), by cluster.");
    }

    public Counter<long> ConfigUpdates { get; }

    public Counter<long> Requests { get; }

    public Counter<long> IstioRequests { get; }

    public Histogram<double> IstioDuration { get; }

    public Histogram<long> IstioRequestBytes { get; }

    public Histogram<long> IstioResponseBytes { get; }

    public Counter<long> Retries { get; }

    public Counter<long> Overflows { get; }

    /// <summary>Gets a value indicating whether any of Istio's request instruments has a listener; when none has, requests record nothing.</summary>
    public bool IstioEnabled => IstioRequests.Enabled || IstioDuration.Enabled || IstioRequestBytes.Enabled || IstioResponseBytes.Enabled;

    /// <summary>Records one logical request on Istio's four instruments.</summary>
    public void RecordRequest(IstioTagSet peers, string protocol, int responseCode, string grpcStatus, ResponseFlags flags, string securityPolicy, double milliseconds, long requestBytes, long responseBytes)
    {
        var tags = peers.With(protocol, IstioLabels.Code(responseCode), grpcStatus, ResponseFlagsText.Get(flags), securityPolicy);
        IstioRequests.Add(1, tags);
        IstioDuration.Record(milliseconds, tags);
        IstioRequestBytes.Record(requestBytes, tags);
        IstioResponseBytes.Record(responseBytes, tags);
    }

    /// <summary>Counts <paramref name="count"/> retries to <paramref name="cluster"/>.</summary>
    public void Retry(string cluster, int count = 1)
    {
        if (Retries.Enabled)
        {
            Retries.Add(count, new KeyValuePair<string, object?>(ClusterTag, cluster));
        }
    }

    /// <summary>Counts an attempt <paramref name="cluster"/>'s limits refused.</summary>
    public void Overflow(string cluster)
    {
        if (Overflows.Enabled)
        {
            Overflows.Add(1, new KeyValuePair<string, object?>(ClusterTag, cluster));
        }
    }

    /// <summary>
    /// Publishes the clusters' state, read when a collector asks: <c>mesh.cluster.endpoints</c> (endpoints by cluster and
    /// <c>state</c> = <c>healthy</c>, <c>unhealthy</c> or <c>ejected</c>) and <c>mesh.outlier.ejections</c> (ejections so
    /// far by cluster, of the endpoints still in it).
    /// </summary>
    public void ObserveClusters(Func<IEnumerable<Measurement<long>>> endpoints, Func<IEnumerable<Measurement<long>>> ejections)
    {
        _meter.CreateObservableGauge("mesh.cluster.endpoints", endpoints, "{endpoint}", "Endpoints of each cluster, by state (healthy, unhealthy, ejected).");
        _meter.CreateObservableCounter("mesh.outlier.ejections", ejections, "{ejection}", "Outlier detection ejections, by cluster (of the endpoints still in it).");
    }

    /// <summary>
    /// Publishes the config in force, read when a collector asks: <c>mesh.config.version</c>, a gauge whose value is the
    /// local config version and whose <c>config_hash</c> tag fingerprints the documents (the same in every process that holds
    /// the same documents; Mesh.Server's dashboard compares them).
    /// </summary>
    public void ObserveConfig(Func<Measurement<long>> config) =>
        _meter.CreateObservableGauge("mesh.config.version", config, unit: null, "The config in force: its local version, and the documents' fingerprint as tag config_hash.");

    /// <summary>
    /// Publishes <c>mesh.certificate.expiry</c>: the seconds until the workload certificate (<c>certificate=workload</c>) and
    /// each trusted root (<c>certificate=root</c>, <c>serial</c>) expire, by <c>source</c> (istio-agent's
    /// <c>istio_agent_cert_expiry_seconds</c> in OpenTelemetry's naming; Prometheus shows <c>mesh_certificate_expiry_seconds</c>).
    /// </summary>
    public void ObserveCertificates(Func<IEnumerable<Measurement<double>>> expiry) =>
        _meter.CreateObservableGauge("mesh.certificate.expiry", expiry, "s", "Seconds until the workload certificate and each trusted root expire.");

    /// <summary>
    /// Publishes the xDS registry's stream, as gRPC's xDS client does (gRFC A78): <c>mesh.xds_client.connected</c> (1 while
    /// the ADS stream has answered, else 0), <c>mesh.xds_client.resource_updates_valid</c> and
    /// <c>mesh.xds_client.resource_updates_invalid</c> (resources received and accepted or NACKed, by <c>resource_type</c>).
    /// </summary>
    public void ObserveXdsClient(Func<int> connected, Func<IEnumerable<Measurement<long>>> valid, Func<IEnumerable<Measurement<long>>> invalid)
    {
        _meter.CreateObservableGauge("mesh.xds_client.connected", connected, "{stream}", "1 while the ADS stream to the xDS server has answered, else 0.");
        _meter.CreateObservableCounter("mesh.xds_client.resource_updates_valid", valid, "{resource}", "xDS resources received and accepted, by resource_type.");
        _meter.CreateObservableCounter("mesh.xds_client.resource_updates_invalid", invalid, "{resource}", "xDS resources received and NACKed, by resource_type.");
    }

    public void Dispose() => _meter.Dispose();
}
