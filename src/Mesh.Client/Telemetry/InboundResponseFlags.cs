namespace Mesh.Telemetry;

/// <summary>
/// Lets the mesh's inbound middleware that answers a request itself name why, for the inbound telemetry's
/// <c>response_flags</c>: the authorization filter sets <see cref="ResponseFlags.UnauthorizedExternalService"/> (Envoy's
/// <c>RBAC</c>) on the 403 it answers. Set as an HTTP feature; read once when the request ends.
/// </summary>
internal sealed class InboundResponseFlags(ResponseFlags flags)
{
    /// <summary>Gets the flags the answering middleware set.</summary>
    public ResponseFlags Flags { get; } = flags;

    /// <summary>An authorization policy denied the request (Envoy: RBAC).</summary>
    public static readonly InboundResponseFlags Rbac = new(ResponseFlags.UnauthorizedExternalService);
}
