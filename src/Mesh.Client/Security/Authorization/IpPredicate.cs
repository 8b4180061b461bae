using System.Net;

namespace Mesh.Security.Authorization;

/// <summary>An address field: <c>ipBlocks</c> and <c>source.ip</c> (the peer), <c>remoteIpBlocks</c> and <c>remote.ip</c> (the original client), <c>destination.ip</c>.</summary>
internal sealed class IpPredicate(IpPredicate.Address address, IpRange[] ranges, bool negate) : RequestPredicate(negate)
{
    /// <summary>Which address of the request.</summary>
    public enum Address
    {
        /// <summary>The connection's peer.</summary>
        Source,

        /// <summary>The original client: the last address of <c>X-Forwarded-For</c>, else the peer.</summary>
        Remote,

        /// <summary>The local address the connection arrived on.</summary>
        Destination,
    }

    protected override bool AnyValueMatches(in AuthorizationRequest request)
    {
        var ip = address switch
        {
            Address.Source => request.SourceAddress,
            Address.Destination => request.DestinationAddress,
            _ => RemoteAddress(request),
        };
        foreach (var range in ranges)
        {
            if (range.Contains(ip))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Envoy's "trusted client address" with <c>use_remote_address: false</c> and no trusted hops, as on Istio's
    /// sidecar inbound: the rightmost address of <c>X-Forwarded-For</c> when there is one, else the peer.
    /// </summary>
    private static IPAddress? RemoteAddress(in AuthorizationRequest request)
    {
        if (!request.Headers.TryGetValue("X-Forwarded-For", out var header) || header.Count == 0)
        {
            return request.SourceAddress;
        }

        var last = (header[^1] ?? "").AsSpan();
        var comma = last.LastIndexOf(',');
        var text = (comma < 0 ? last : last[(comma + 1)..]).Trim();
        return IPAddress.TryParse(text, out var parsed) ? parsed : request.SourceAddress;
    }
}
