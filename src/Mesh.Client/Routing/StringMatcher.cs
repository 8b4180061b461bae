using System.Text.RegularExpressions;
using Mesh.Configuration;

namespace Mesh.Routing;

/// <summary>A compiled Istio StringMatch. Regexes are anchored (Envoy matches the whole value) and linear-time, like RE2.</summary>
internal sealed class StringMatcher
{
    private readonly string? _exact;
    private readonly string? _prefix;
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    public StringMatcher(StringMatch match, bool ignoreCase = false)
    {
        _exact = match.Exact;
        _prefix = match.Prefix;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (match.Regex is { } regex)
        {
            _regex = CreateRegex(regex, ignoreCase);
        }
    }

    /// <summary>Gets a value indicating whether any value matches (an empty StringMatch: presence only).</summary>
    public bool MatchesAnything => _exact is null && _prefix is null && _regex is null;

    public string? Prefix => _prefix;

    public bool IsMatch(ReadOnlySpan<char> value)
    {
        if (_exact is not null)
        {
            return value.Equals(_exact, _comparison);
        }

        if (_prefix is not null)
        {
            return value.StartsWith(_prefix, _comparison);
        }

        return _regex is null || _regex.IsMatch(value);
    }

    public static Regex CreateRegex(string pattern, bool ignoreCase = false) =>
        new($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : 0));
}
