namespace Mesh.Security.Authorization;

/// <summary>A port field (<c>ports</c>, <c>destination.port</c>): the local port the request arrived on.</summary>
internal sealed class PortPredicate(int[] ports, bool negate) : RequestPredicate(negate)
{
    protected override bool AnyValueMatches(in AuthorizationRequest request) => Array.IndexOf(ports, request.DestinationPort) >= 0;
}
