using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Server;

/// <summary>The two listeners; after start their endpoints carry the ports Kestrel bound (port 0 picks a free one).</summary>
internal sealed class ServerEndpoints
{
    public ListenOptions? Xds { get; set; }

    public ListenOptions? Admin { get; set; }

    public IPEndPoint? XdsEndpoint => Xds?.IPEndPoint;

    public IPEndPoint? AdminEndpoint => Admin?.IPEndPoint;
}
