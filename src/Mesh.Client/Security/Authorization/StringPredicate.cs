namespace Mesh.Security.Authorization;

/// <summary>A field matched against one string attribute of the request.</summary>
internal sealed class StringPredicate(RequestAttribute attribute, ValueMatcher[] values, bool negate) : RequestPredicate(negate)
{
    protected override bool AnyValueMatches(in AuthorizationRequest request)
    {
        var value = attribute switch
        {
            RequestAttribute.Principal => request.Principal,
            RequestAttribute.Namespace => request.PeerNamespace,
            RequestAttribute.Host => request.Host,
            RequestAttribute.Method => request.Method,
            RequestAttribute.Path => request.Path,
            _ => request.Sni,
        };
        foreach (var matcher in values)
        {
            if (matcher.Matches(value))
            {
                return true;
            }
        }

        return false;
    }
}
