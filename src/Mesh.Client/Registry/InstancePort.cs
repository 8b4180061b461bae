namespace Mesh.Registry;

/// <summary>
/// A named port of a service instance, as a Kubernetes Service port and its endpoint: callers address the
/// service on <paramref name="Port"/> (<c>http://ratings:9090</c>), and the instance listens on <paramref name="TargetPort"/>.
/// </summary>
/// <param name="Name">The port's name (<c>grpc-ratings</c>); Istio reads the protocol from its prefix.</param>
/// <param name="Port">The service port callers name, 1 to 65535.</param>
/// <param name="TargetPort">The instance's own port for it, 1 to 65535.</param>
internal sealed record InstancePort(string Name, int Port, int TargetPort);
