namespace Mesh.Telemetry;

/// <summary>The names the mesh publishes telemetry under, for subscribing to it (OpenTelemetry's <c>AddMeter</c>, <c>dotnet-counters monitor --counters</c>).</summary>
public static class MeshTelemetry
{
    /// <summary>The name of the meter that holds the mesh's instruments: <c>Mesh</c>.</summary>
    /// <remarks>
    /// Its instruments: <c>mesh.config.updates</c>, a counter of config loads and reloads tagged
    /// <c>outcome</c> = <c>applied</c> or <c>rejected</c>; <c>mesh.client.requests</c>, a counter of
    /// requests to mesh services tagged <c>outcome</c> = <c>routed</c>, <c>route_not_found</c> or
    /// <c>no_healthy_upstream</c>. The meter is created through the host's <c>IMeterFactory</c>.
    /// </remarks>
    public const string MeterName = "Mesh";
}
