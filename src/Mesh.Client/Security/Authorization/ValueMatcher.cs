using System.Text.RegularExpressions;

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
    private readonly Regex? _glob;

    private ValueMatcher(Kind kind, string text, StringComparison comparison, bool presence, Regex? glob = null)
    {
        _kind = kind;
        _text = text;
        _comparison = comparison;
        _presence = presence;
        _glob = glob;
    }

    private enum Kind
    {
        Exact,
        Prefix,
        Suffix,
        Any,
        Glob,
    }

    /// <summary>Compiles a policy value.</summary>
    /// <param name="value">The value as written in the policy.</param>
    /// <param name="ignoreCase">For hosts: Istio compares them without regard to case (RFC 4343).</param>
    /// <param name="presence">For headers: <c>*</c> matches a header that is present, even with an empty value.</param>
    /// <param name="glob">For namespaces: a <c>*</c> anywhere matches any run of characters, as Istio's regex <c>.*/ns/VALUE/.*</c> with <c>*</c> as <c>.*</c> does.</param>
    public static ValueMatcher Create(string value, bool ignoreCase = false, bool presence = false, bool glob = false)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (glob && value.Length > 1 && value.AsSpan(1, value.Length - 2).Contains('*'))
        {
            var pattern = "^(?:" + string.Join(".*", value.Split('*').Select(Regex.Escape)) + ")$";
            return new(Kind.Glob, value, comparison, presence, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1)));
        }

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
        Kind.Glob => _glob!.IsMatch(value),
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
