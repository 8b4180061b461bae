namespace Mesh.Security.Authorization;

/// <summary>One compiled field of a policy (<c>principals</c>, <c>notPaths</c>, a <c>when</c> condition): any value matches, a <c>not</c> field negates.</summary>
internal abstract class RequestPredicate(bool negate)
{
    /// <summary>Whether the request satisfies the field: any value matches, or for a <c>not</c> field, none does.</summary>
    public bool Matches(in AuthorizationRequest request) => AnyValueMatches(request) != negate;

    /// <summary>Whether any of the field's values matches the request.</summary>
    protected abstract bool AnyValueMatches(in AuthorizationRequest request);
}
