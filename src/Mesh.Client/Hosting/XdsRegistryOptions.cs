namespace Mesh.Hosting;

/// <summary>The xDS registry: the gRPC bootstrap file that names the xDS server and this node, and where the last good state is kept.</summary>
public sealed class XdsRegistryOptions
{
    /// <summary>Gets or sets the path of the gRPC xDS bootstrap file (gRFC A27 format: <c>xds_servers</c>, <c>node</c>).</summary>
    /// <value>Null: <c>GRPC_XDS_BOOTSTRAP</c> (a path), else <c>GRPC_XDS_BOOTSTRAP_CONFIG</c> (the JSON itself), as proxyless gRPC reads them.</value>
    public string? Bootstrap { get; set; }

    /// <summary>Gets or sets the file where the last accepted xDS resources are kept, so a cold start while the xDS server is away still routes.</summary>
    /// <value>Null: <c>{state}/{service}-{namespace}.xds-state.json</c> in the same per-user directory as the Consul registry's state file.</value>
    public string? SnapshotPath { get; set; }

    /// <summary>Gets or sets how long the first call to a service waits for its listener, routes, clusters and endpoints before the service is taken not to exist.</summary>
    /// <value>15 seconds, gRPC's does-not-exist timer.</value>
    public TimeSpan ResourceTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
