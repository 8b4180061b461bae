namespace Mesh.Server.Xds;

/// <summary>
/// What one ADS client may ask of Mesh.Server, so that no client, however hostile, can make the server
/// hold unbounded memory or compile without end (docs/xds.md, "Limits"). gRPC's own limit comes first:
/// a request over 4 MB ends the stream with RESOURCE_EXHAUSTED before it reaches the service.
/// </summary>
internal static class XdsLimits
{
    /// <summary>The most resource names one request may list for one type (istiod's proxyless clients list one listener per target, one cluster per subset).</summary>
    public const int MaxResourceNames = 10_000;

    /// <summary>The longest resource name, in UTF-16 chars (<c>outbound|65535|subset|fqdn</c> is under 340: a 253-char FQDN and a 63-char subset).</summary>
    public const int MaxResourceNameLength = 1_024;

    /// <summary>The longest caller identity (namespace and every label key and value of the node's metadata), in chars.</summary>
    public const int MaxIdentityLength = 16_384;

    /// <summary>The most distinct caller identities (namespace + labels) one state compiles a view for; a further identity's stream is refused until the next state.</summary>
    public const int MaxViews = 1_024;

    /// <summary>The most resources one view keeps translated; past it a resource is translated again for each response that holds it.</summary>
    public const int MaxCachedResources = 20_000;

    /// <summary>The most requests of one stream read ahead of the one being handled; past it the server stops reading the stream (HTTP/2 flow control holds the client).</summary>
    public const int MaxQueuedRequests = 16;

    /// <summary>The longest NACK message kept and logged, in chars; the rest is cut.</summary>
    public const int MaxNackMessageLength = 1_024;
}
