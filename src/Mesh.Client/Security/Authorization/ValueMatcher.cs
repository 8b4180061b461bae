namespace Mesh.Security.Authorization;

/// <summary>
/// One value of a policy field, as Istio turns it into an Envoy string matcher: <c>*</c> matches any value that
/// is present, <c>prefix*</c> a prefix, <c>*suffix</c> a suffix, anything else the whole value.
/// </summary>
internal readonly struct ValueMatcher
{
    private readonly Kind _kind;
    private readonly string _text;
    private readonly StringComparison _comparison;

    private ValueMatcher(Kind kind, string text, StringComparison comparison)
    {
        _kind = kind;
        _text = text;
        _comparison = comparison;
    }

    private enum Kind
    {
        Exact,
        Prefix,
        Suffix,
        Any,
    }

    /// <summary>Compiles a policy value; <paramref name="ignoreCase"/> for hosts (Istio compares them without case, RFC 4343).</summary>
    public static ValueMatcher Create(string value, bool ignoreCase = false)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return value switch
        {
            "*" => new(Kind.Any, "", comparison),
            ['*', .. var suffix] => new(Kind.Suffix, suffix, comparison),
            [.. var prefix, '*'] => new(Kind.Prefix, prefix, comparison),
            _ => new(Kind.Exact, value, comparison),
        };
    }

    /// <summary>Whether <paramref name="value"/> matches; an absent value (null) matches nothing, not even <c>*</c>.</summary>
    public bool Matches(string? value) => value is not null && _kind switch
    {
        Kind.Exact => string.Equals(value, _text, _comparison),
        Kind.Prefix => value.StartsWith(_text, _comparison),
        Kind.Suffix => value.EndsWith(_text, _comparison),
        _ => true,
    };

    public override string ToString() => _kind switch
    {
        Kind.Prefix => _text + "*",
        Kind.Suffix => "*" + _text,
        Kind.Any => "*",
        _ => _text,
    };
}
