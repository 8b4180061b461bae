namespace Mesh.Hosting;

/// <summary>
/// A named port of a service instance, as a Kubernetes Service port: callers address the service on
/// <see cref="Port"/> (<c>http://ratings:9090</c>) and the mesh sends the request to the instance's <see cref="TargetPort"/>.
/// </summary>
public sealed class NamedPortOptions
{
    /// <summary>Gets or sets the port's name, such as <c>grpc-ratings</c> (Istio reads the protocol from its prefix); letters, digits, '-' and '_'; required.</summary>
    /// <value>Empty: unset, which fails the start.</value>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the service port callers name, 1 to 65535; required.</summary>
    /// <value>0: unset, which fails the start.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the port the instance listens on for it, 1 to 65535 (Kubernetes' <c>targetPort</c>).</summary>
    /// <value>Null: <see cref="Port"/>.</value>
    public int? TargetPort { get; set; }
}
