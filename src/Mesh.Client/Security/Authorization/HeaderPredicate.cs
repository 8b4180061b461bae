namespace Mesh.Security.Authorization;

/// <summary>
/// A <c>request.headers[NAME]</c> condition. A header sent several times is matched as Envoy sees it, its values
/// joined with commas; an absent header matches no value (not even <c>*</c>), so its <c>notValues</c> match.
/// </summary>
internal sealed class HeaderPredicate(string name, ValueMatcher[] values, bool negate) : RequestPredicate(negate)
{
    protected override bool AnyValueMatches(in AuthorizationRequest request)
    {
        if (!request.Headers.TryGetValue(name, out var header))
        {
            return false;
        }

        var value = header.Count == 1 ? header[0] : header.ToString();
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
