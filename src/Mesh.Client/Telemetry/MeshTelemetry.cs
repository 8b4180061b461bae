namespace Mesh.Telemetry;

/// <summary>
/// The names the mesh publishes telemetry under, for subscribing to it (OpenTelemetry's <c>AddMeter</c> and
/// <c>AddSource</c>, <c>dotnet-counters monitor --counters</c>). docs/telemetry.md lists every instrument and label.
/// </summary>
public static class MeshTelemetry
{
    /// <summary>The name of the meter that holds the mesh's instruments: <c>Mesh</c>.</summary>
    /// <remarks>
    /// Istio's standard metrics (<see cref="RequestsTotal"/>, <see cref="RequestDuration"/>, <see cref="RequestBytes"/>,
    /// <see cref="ResponseBytes"/>) with Istio's labels, and the mesh's own: <c>mesh.config.updates</c> (tagged
    /// <c>outcome</c> = <c>applied</c> or <c>rejected</c>), <c>mesh.client.requests</c> (tagged <c>outcome</c>),
    /// <c>mesh.client.retries</c>, <c>mesh.circuit_breaker.overflows</c>, <c>mesh.outlier.ejections</c> and
    /// <c>mesh.cluster.endpoints</c>. The meter is created through the host's <c>IMeterFactory</c>.
    /// </remarks>
    public const string MeterName = "Mesh";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> of the mesh's spans: <c>Mesh</c>.</summary>
    /// <remarks>
    /// One client span per logical request to a mesh service (operation <see cref="RequestActivityName"/>), parent of
    /// HttpClient's span for each attempt. Inbound requests get no span of their own: ASP.NET Core's server span is
    /// tagged with the mesh's attributes instead.
    /// </remarks>
    public const string ActivitySourceName = "Mesh";

    /// <summary>The operation name of the mesh's client span of a logical request: <c>Mesh.Request</c>.</summary>
    public const string RequestActivityName = "Mesh.Request";

    /// <summary>
    /// Istio's <c>istio_requests_total</c>: a counter of requests, one per logical request (retries are counted apart,
    /// in <c>mesh.client.retries</c>), by Istio's labels. The Prometheus exporter scrapes it under the same name.
    /// </summary>
    public const string RequestsTotal = "istio_requests_total";

    /// <summary>
    /// Istio's <c>istio_request_duration_milliseconds</c>: a histogram of request durations in milliseconds (unit
    /// <c>ms</c>), with Envoy's default buckets from 0.5 ms to 1 h.
    /// </summary>
    public const string RequestDuration = "istio_request_duration_milliseconds";

    /// <summary>Istio's <c>istio_request_bytes</c>: a histogram of request body sizes in bytes (unit <c>By</c>).</summary>
    public const string RequestBytes = "istio_request_bytes";

    /// <summary>Istio's <c>istio_response_bytes</c>: a histogram of response body sizes in bytes (unit <c>By</c>).</summary>
    public const string ResponseBytes = "istio_response_bytes";
}
