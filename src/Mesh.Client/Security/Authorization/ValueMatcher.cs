namespace Mesh.Security.Authorization;

/// <summary>
/// One value of a policy field, as Istio turns it into an Envoy string matcher: <c>*</c> matches any value that
/// is not empty (a header that is present, even empty: Envoy's <c>present_match</c>), <c>prefix*</c> a prefix,
/// <c>*suffix</c> a suffix, anything else the whole value.
/// </summary>
internal readonly struct ValueMatcher
{
    private readonly Kind _kind;
    private readonly string _text;
    private readonly StringComparison _comparison;
    private readonly bool _presence;

    private ValueMatcher(Kind kind, string text, StringComparison comparison, bool presence)
    {
        _kind = kind;
        _text = text;
        _comparison = comparison;
        _presence = presence;
    }

    private enum Kind
    {
        Exact,
        Prefix,
        Suffix,
        Any,
    }

    /// <summary>Compiles a policy value.</summary>
    /// <param name="value">The value as written in the policy.</param>
    /// <param name="ignoreCase">For hosts: Istio compares them without regard to case (RFC 4343).</param>
    /// <param name="presence">For headers: <c>*</c> matches a header that is present, even with an empty value.</param>
    public static ValueMatcher Create(string value, bool ignoreCase = false, bool presence = false)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return value switch
        {
            "*" => new(Kind.Any, "", comparison, presence),
            ['*', .. var suffix] => new(Kind.Suffix, suffix, comparison, presence),
            [.. var prefix, '*'] => new(Kind.Prefix, prefix, comparison, presence),
            _ => new(Kind.Exact, value, comparison, presence),
        };
    }

    /// <summary>Whether <paramref name="value"/> matches; an absent value (null) matches nothing, not even <c>*</c>.</summary>
    public bool Matches(string? value) => value is not null && _kind switch
    {
        Kind.Exact => string.Equals(value, _text, _comparison),
        Kind.Prefix => value.StartsWith(_text, _comparison),
        Kind.Suffix => value.EndsWith(_text, _comparison),
        _ => value.Length > 0 || _presence,
    };

    public override string ToString() => _kind switch
    {
        Kind.Prefix => _text + "*",
        Kind.Suffix => "*" + _text,
        Kind.Any => "*",
        _ => _text,
    };
}
