namespace Mesh.Grpc;

/// <summary>
/// The service a mesh channel calls: <c>mesh:///reviews:9080</c> (or <c>mesh://reviews:9080</c>) names host
/// <c>reviews</c> and authority <c>reviews:9080</c>. Calls are routed as requests to <see cref="Uri"/> with that authority.
/// </summary>
internal sealed record GrpcTarget(string Host, string Authority, Uri Uri)
{
    /// <summary>Gets the key under which the resolver hands the target to the load balancer, in the <c>mesh</c> policy's config.</summary>
    public const string ConfigKey = "target";

    /// <summary>Reads the target of a channel address; throws when it names no host.</summary>
    /// <exception cref="InvalidOperationException">The address names no host.</exception>
    public static GrpcTarget Parse(Uri address, bool secure = false)
    {
        var authority = address.Authority.Length > 0 ? address.Authority : address.AbsolutePath.TrimStart('/');
        return Parse(authority, secure) ?? throw new InvalidOperationException($"Mesh: the gRPC address '{address}' names no service; write it as mesh:///reviews:9080.");
    }

    /// <summary>Reads an authority (<c>reviews:9080</c>); null when it is empty or not an authority.</summary>
    public static GrpcTarget? Parse(string authority, bool secure = false)
    {
        if (string.IsNullOrEmpty(authority) || !Uri.TryCreate($"{(secure ? "https" : "http")}://{authority}/", UriKind.Absolute, out var uri) || uri.IdnHost.Length == 0)
        {
            return null;
        }

        return new GrpcTarget(uri.IdnHost, authority, uri);
    }

    public override string ToString() => Authority;
}
