using System.Net;
using Microsoft.AspNetCore.Http;

namespace Mesh.Security.Authorization;

/// <summary>
/// What an AuthorizationPolicy can see of one inbound request, as Envoy's RBAC filter sees it: the peer's
/// identity from its mTLS certificate, the connection's addresses, and the request's method, path, host and headers.
/// </summary>
internal readonly struct AuthorizationRequest
{
    /// <summary>Gets the peer's principal (<c>cluster.local/ns/default/sa/productpage</c>); null without an mTLS peer identity.</summary>
    public string? Principal { get; init; }

    /// <summary>Gets the peer's namespace from its identity; null without one, or when the identity has no <c>/ns/</c> segment.</summary>
    public string? PeerNamespace { get; init; }

    /// <summary>Gets the address of the connection's peer (<c>source.ip</c>, <c>ipBlocks</c>).</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>Gets the local address the connection arrived on (<c>destination.ip</c>).</summary>
    public IPAddress? DestinationAddress { get; init; }

    /// <summary>Gets the local port the connection arrived on (<c>ports</c>, <c>destination.port</c>).</summary>
    public int DestinationPort { get; init; }

    /// <summary>Gets the TLS server name the client asked for (<c>connection.sni</c>); null on plaintext or without SNI.</summary>
    public string? Sni { get; init; }

    /// <summary>Gets the HTTP method (gRPC: <c>POST</c>).</summary>
    public string Method { get; init; }

    /// <summary>Gets the path without the query (gRPC: <c>/package.Service/Method</c>).</summary>
    public string Path { get; init; }

    /// <summary>Gets the <c>Host</c> header or HTTP/2 <c>:authority</c>, as sent (with the port when the client sent one).</summary>
    public string? Host { get; init; }

    /// <summary>Gets the request headers.</summary>
    public IHeaderDictionary Headers { get; init; }

    /// <summary>Builds the request view from an ASP.NET Core request and the peer identity of its connection.</summary>
    public static AuthorizationRequest From(HttpContext context, PeerIdentity? peer)
    {
        var request = context.Request;
        var connection = context.Connection;
        return new AuthorizationRequest
        {
            Principal = peer?.Principal,
            PeerNamespace = peer?.Namespace,
            SourceAddress = connection.RemoteIpAddress,
            DestinationAddress = connection.LocalIpAddress,
            DestinationPort = connection.LocalPort,
            Sni = context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName is { Length: > 0 } sni ? sni : null,
            Method = request.Method,
            Path = request.PathBase.HasValue ? request.PathBase.Add(request.Path).Value ?? "/" : request.Path.Value ?? "/",
            Host = request.Host.HasValue ? request.Host.Value : null,
            Headers = request.Headers,
        };
    }
}
