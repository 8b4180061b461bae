namespace Mesh.Telemetry;

/// <summary>
/// A workload as Istio's labels name it: the service, namespace, app and version, the workload name
/// (<c>reviews-v2</c>, as Istio names a Deployment) and the canonical service and revision.
/// </summary>
/// <param name="Service">The service name, or empty for a pure client.</param>
/// <param name="Namespace">The namespace.</param>
/// <param name="App">The <c>app</c> label, or null.</param>
/// <param name="Version">The <c>version</c> label (a subset for a destination), or null.</param>
internal sealed record MeshWorkload(string Service, string Namespace, string? App, string? Version)
{
    /// <summary>Gets the workload's name: <c>service-version</c>, or the service alone without a version, or <c>unknown</c>.</summary>
    public string Workload => Service.Length == 0 ? IstioLabels.Unknown : Version is null ? Service : $"{Service}-{Version}";

    /// <summary>Gets the app label, or the service, or <c>unknown</c>.</summary>
    public string AppOrUnknown => App ?? (Service.Length == 0 ? IstioLabels.Unknown : Service);

    /// <summary>Gets the version label, or <c>unknown</c>.</summary>
    public string VersionOrUnknown => Version ?? IstioLabels.Unknown;

    /// <summary>Gets Istio's canonical service: the app label, else the workload name.</summary>
    public string CanonicalService => App ?? (Service.Length == 0 ? IstioLabels.Unknown : Service);

    /// <summary>Gets Istio's canonical revision: the version label, else <c>latest</c>.</summary>
    public string CanonicalRevision => Version ?? IstioLabels.Latest;

    /// <summary>Gets the service's FQDN, as Istio's destination_service: <c>reviews.default.svc.cluster.local</c>.</summary>
    public string Fqdn => Service.Length == 0 ? IstioLabels.Unknown : new Configuration.ServiceKey(Service, Namespace).Fqdn;

    /// <summary>Builds the workload of this process from its options' service, namespace and labels.</summary>
    public static MeshWorkload FromLabels(string service, string ns, IReadOnlyDictionary<string, string> labels) =>
        new(service, ns, labels.TryGetValue("app", out var app) ? app : null, labels.TryGetValue("version", out var version) ? version : null);
}
