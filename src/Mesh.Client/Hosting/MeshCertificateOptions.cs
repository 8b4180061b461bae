namespace Mesh.Hosting;

/// <summary>Where the workload's certificate and the mesh's trusted roots come from (<c>Mesh:Certificates</c>).</summary>
public sealed class MeshCertificateOptions
{
    /// <summary>Gets or sets the certificate source: <c>LocalCa</c>, <c>Files</c> or <c>Consul</c>, in any case; another name fails the start.</summary>
    /// <value>
    /// Null: <c>Consul</c> (Consul Connect's CA, through the local agent) when <c>Mesh:Registry</c> is <c>Consul</c>, else
    /// <c>LocalCa</c> (a CA kept in a per-user directory, shared by the processes of one user on one machine).
    /// </value>
    public string? Source { get; set; }

    /// <summary>Gets or sets the local CA's settings (source <c>LocalCa</c>).</summary>
    public LocalCaOptions LocalCa { get; set; } = new();

    /// <summary>Gets or sets the PEM files' settings (source <c>Files</c>).</summary>
    public CertificateFilesOptions Files { get; set; } = new();
}
