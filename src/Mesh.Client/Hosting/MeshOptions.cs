namespace Mesh.Hosting;

/// <summary>The local workload's place in the mesh and where the mesh state comes from; bound from the <c>Mesh</c> configuration section.</summary>
public sealed class MeshOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Mesh";

    /// <summary>Gets or sets the name of the service this process is an instance of, such as <c>productpage</c>.</summary>
    /// <value>Empty: a pure client that is not itself a mesh service.</value>
    public string Service { get; set; } = "";

    /// <summary>Gets or sets the namespace of this workload; short hosts resolve in it. Must not be empty.</summary>
    /// <value><c>default</c>.</value>
    public string Namespace { get; set; } = "default";

    /// <summary>Gets or sets the labels of this workload, such as <c>version: v1</c>; they decide sourceLabels matches.</summary>
    /// <value>Empty.</value>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the name of this instance, as reported to callers (<c>reviews-v2-7f9c4</c>).</summary>
    /// <value>Null: <c>{Service}-{version}-{5 random characters}</c>.</value>
    public string? InstanceId { get; set; }

    /// <summary>Gets or sets this workload's address, used as the source IP of consistent hashing.</summary>
    /// <value><c>127.0.0.1</c>.</value>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the service account this workload runs as: the last segment of its SPIFFE ID <c>spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT</c>.</summary>
    /// <value>Null: the service name (<see cref="Service"/>), or <c>default</c> when that is empty.</value>
    public string? ServiceAccount { get; set; }

    /// <summary>Gets or sets the mesh's trust domain, the authority of every SPIFFE ID (Istio's <c>trustDomain</c>).</summary>
    /// <value><c>cluster.local</c>.</value>
    public string TrustDomain { get; set; } = "cluster.local";

    /// <summary>Gets or sets trust domains accepted as the mesh's own (Istio's <c>trustDomainAliases</c>); <c>consul</c> accepts Consul Connect's.</summary>
    /// <value>Empty.</value>
    public List<string> TrustDomainAliases { get; set; } = [];

    /// <summary>Gets or sets the root namespace: a PeerAuthentication there without a selector applies to the whole mesh.</summary>
    /// <value><c>istio-system</c>.</value>
    public string RootNamespace { get; set; } = "istio-system";

    /// <summary>Gets or sets where the workload certificate and the trusted roots come from.</summary>
    public MeshCertificateOptions Certificates { get; set; } = new();

    /// <summary>Gets or sets the registry that supplies instances and config documents: one of <see cref="MeshRegistries"/>, in any case; another name fails the start.</summary>
    /// <value><see cref="MeshRegistries.Static"/>.</value>
    public string Registry { get; set; } = MeshRegistries.Static;

    /// <summary>
    /// Gets or sets a value indicating whether the mesh writes an access log: one line per request, outbound and inbound,
    /// in the fields of Envoy's default format with its response flags, at Information level under the logger category
    /// <c>Mesh.AccessLog</c> (event ids 800 outbound, 801 inbound). Bound from <c>Mesh:AccessLog</c>.
    /// </summary>
    /// <value><see langword="false"/>.</value>
    public bool AccessLog { get; set; }

    /// <summary>
    /// Gets or sets the path this service serves its Prometheus metrics on (OpenTelemetry's
    /// <c>MapPrometheusScrapingEndpoint()</c>), which Mesh.Server's dashboard scrapes: requests to it are not counted in
    /// Istio's request metrics, as Istio does not count Prometheus' scrapes. Empty counts every request. Bound from
    /// <c>Mesh:MetricsPath</c>.
    /// </summary>
    /// <value><c>/metrics</c>.</value>
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>Gets or sets the static (embedded) registry's settings.</summary>
    public StaticRegistryOptions Static { get; set; } = new();

    /// <summary>Gets or sets the Consul registry's settings.</summary>
    public ConsulRegistryOptions Consul { get; set; } = new();

    /// <summary>Gets or sets the xDS registry's settings.</summary>
    public XdsRegistryOptions Xds { get; set; } = new();
}
