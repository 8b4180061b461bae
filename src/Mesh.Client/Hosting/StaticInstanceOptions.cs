namespace Mesh.Hosting;

/// <summary>One instance of a service in the static registry.</summary>
public sealed class StaticInstanceOptions
{
    /// <summary>Gets or sets the instance's address (IP or host name); must not be empty.</summary>
    /// <value><c>127.0.0.1</c>.</value>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the instance's port, 1 to 65535, for every service port that <see cref="Ports"/> does not name; required.</summary>
    /// <value>0: unset, which fails the start.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the instance's named ports (<c>grpc-ratings</c>: service port 9090), each sent to its own target port.</summary>
    /// <value>Empty: the instance has one port, <see cref="Port"/>.</value>
    public List<NamedPortOptions> Ports { get; set; } = [];

    /// <summary>Gets or sets the instance's labels, such as <c>version: v1</c>; subsets select on them.</summary>
    /// <value>Empty.</value>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the service account the instance runs as: callers expect its SPIFFE ID under ISTIO_MUTUAL.</summary>
    /// <value>Null: the service's name.</value>
    public string? ServiceAccount { get; set; }

    /// <summary>Gets or sets the instance's name.</summary>
    /// <value>Null: <c>address:port</c>.</value>
    public string? Id { get; set; }
}
