namespace Mesh.Hosting;

/// <summary>The local CA's settings (<c>Mesh:Certificates:LocalCa</c>).</summary>
public sealed class LocalCaOptions
{
    /// <summary>Gets or sets the CA's directory; every process of the mesh on this machine must use the same one.</summary>
    /// <value>Null: <c>mesh/ca</c> under the user's local application data (<c>~/.local/share/mesh/ca</c> on Linux).</value>
    public string? Directory { get; set; }

    /// <summary>Gets or sets the validity of a workload certificate; it is renewed at half of it. At least 2 minutes.</summary>
    /// <value>24 hours (Istio's default workload certificate TTL).</value>
    public TimeSpan LeafLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how often the CA directory is checked for a root rotation and the certificate for renewal.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
