namespace Mesh.Hosting;

/// <summary>The Consul registry: where the agent is, how to authenticate, and where the mesh keeps its state there.</summary>
public sealed class ConsulRegistryOptions
{
    /// <summary>Gets or sets the agent's HTTP address, such as <c>http://127.0.0.1:8500</c> or <c>https://consul:8501</c> (a bare <c>host:port</c> is http); any other scheme fails the start.</summary>
    /// <value>Null: <c>CONSUL_HTTP_ADDR</c>, else <c>http://127.0.0.1:8500</c>.</value>
    public string? Address { get; set; }

    /// <summary>Gets or sets the ACL token sent as <c>X-Consul-Token</c>.</summary>
    /// <value>Null: <c>CONSUL_HTTP_TOKEN</c>, else none.</value>
    public string? Token { get; set; }

    /// <summary>Gets or sets the datacenter to query.</summary>
    /// <value>Null: the agent's own.</value>
    public string? Datacenter { get; set; }

    /// <summary>Gets or sets a PEM file of the CA that signed an https Consul's certificate; a file that does not exist fails the start.</summary>
    /// <value>Null: <c>CONSUL_CACERT</c>, else the system's trust store.</value>
    public string? CaFile { get; set; }

    /// <summary>Gets or sets the KV prefix under which config documents live, as <c>&lt;prefix&gt;&lt;kind&gt;/&lt;namespace&gt;/&lt;name&gt;</c>.</summary>
    /// <value><c>mesh/config/</c>.</value>
    public string KeyPrefix { get; set; } = "mesh/config/";

    /// <summary>Gets or sets how long a blocking query waits for a change before Consul answers anyway: more than zero, at most 10 minutes (Consul's limit).</summary>
    /// <value>5 minutes.</value>
    public TimeSpan WaitTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the file where the last good state is kept, so a cold start while Consul is down still routes.</summary>
    /// <value>Null: <c>{state}/{service}-{namespace}.state.json</c>, where {state} is <c>$XDG_STATE_HOME/mesh</c>, else <c>~/.local/state/mesh</c> (Linux), or the local application data folder's <c>mesh/state</c> (Windows, macOS).</value>
    public string? SnapshotPath { get; set; }

    /// <summary>Gets or sets a value indicating whether this service registers itself with the agent once Kestrel listens.</summary>
    /// <value>True when <see cref="MeshOptions.Service"/> is set.</value>
    public bool? Register { get; set; }

    /// <summary>Gets or sets the address registered for this instance.</summary>
    /// <value>Null: the address Kestrel is bound to (127.0.0.1 for a wildcard binding).</value>
    public string? RegisterAddress { get; set; }

    /// <summary>Gets or sets the port registered for this instance, 1 to 65535.</summary>
    /// <value>Null: the port Kestrel is bound to.</value>
    public int? RegisterPort { get; set; }

    /// <summary>
    /// Gets or sets this instance's named ports, registered as Service Meta <c>port-&lt;name&gt;</c> =
    /// <c>&lt;port&gt;</c> (or <c>&lt;port&gt;:&lt;targetPort&gt;</c> when they differ); callers of service port
    /// <see cref="NamedPortOptions.Port"/> reach the instance's <see cref="NamedPortOptions.TargetPort"/>.
    /// </summary>
    /// <value>Empty: one port, <see cref="RegisterPort"/>.</value>
    public List<NamedPortOptions> RegisterPorts { get; set; } = [];

    /// <summary>Gets or sets the path of the HTTP health check Consul calls, starting with <c>/</c>; Mesh answers it from ASP.NET Core health checks (200 healthy or degraded, 503 unhealthy).</summary>
    /// <value><c>/mesh/health</c>.</value>
    public string HealthPath { get; set; } = "/mesh/health";

    /// <summary>Gets or sets how often Consul runs the health check, and how long it waits for an answer: at least 100 ms.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how long a critical instance stays registered before Consul removes it.</summary>
    /// <value>1 minute.</value>
    public TimeSpan DeregisterCriticalServiceAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how long the instances in force are kept when Consul suddenly lists none passing and
    /// no health check has run yet (a restarted agent's artefact); zero turns the hold off.
    /// </summary>
    /// <value>15 seconds.</value>
    public TimeSpan HealthGracePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how often the registration is checked, and renewed if the agent forgot it.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan RegistrationCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}
