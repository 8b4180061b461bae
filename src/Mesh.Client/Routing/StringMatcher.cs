using System.Text.RegularExpressions;
using Mesh.Configuration;

namespace Mesh.Routing;

/// <summary>A compiled Istio StringMatch. Regexes are anchored (Envoy matches the whole value) and linear-time, like RE2.</summary>
internal sealed class StringMatcher
{
    private readonly string? _exact;
    private readonly string? _prefix;
    private readonly Regex? _regex;
    private readonly string? _contains;
    private readonly string? _suffix;
    private readonly bool _any;
    private readonly StringComparison _comparison;

    public StringMatcher(StringMatch match, bool ignoreCase = false)
    {
        _exact = match.Exact;
        _prefix = match.Prefix;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (match.Regex is { } regex)
        {
            // Most regexes in routing rules are a literal with '.*' around it; match those as strings.
            switch (Simplify(regex))
            {
                case (RegexShape.Any, _):
                    _any = true;
                    break;
                case (RegexShape.Exact, var literal):
                    _exact = literal;
                    break;
                case (RegexShape.Prefix, var literal):
                    _prefix = literal;
                    break;
                case (RegexShape.Suffix, var literal):
                    _suffix = literal;
                    break;
                case (RegexShape.Contains, var literal):
                    _contains = literal;
                    break;
                default:
                    _regex = CreateRegex(regex, ignoreCase);
                    break;
            }

            IsRegex = true;
        }
    }

    private enum RegexShape
    {
        None,
        Any,
        Exact,
        Prefix,
        Suffix,
        Contains,
    }

    /// <summary>Gets a value indicating whether the match was written as a regex (its prefix, if any, is not a uri prefix).</summary>
    public bool IsRegex { get; }

    /// <summary>Recognizes <c>lit</c>, <c>lit.*</c>, <c>.*lit</c>, <c>.*lit.*</c> and <c>.*</c>, where lit has no regex metacharacter.</summary>
    private static (RegexShape Shape, string Literal) Simplify(string pattern)
    {
        var leading = pattern.StartsWith(".*", StringComparison.Ordinal);
        var body = leading ? pattern[2..] : pattern;
        var trailing = body.EndsWith(".*", StringComparison.Ordinal) && !body.EndsWith("\\.*", StringComparison.Ordinal);
        if (trailing)
        {
            body = body[..^2];
        }

        if (body.AsSpan().IndexOfAny(@"\.^$|?*+()[]{}") >= 0)
        {
            return (RegexShape.None, "");
        }

        return (leading, trailing, body.Length) switch
        {
            (_, _, 0) when leading || trailing => (RegexShape.Any, ""),
            (true, true, _) => (RegexShape.Contains, body),
            (true, false, _) => (RegexShape.Suffix, body),
            (false, true, _) => (RegexShape.Prefix, body),
            _ => (RegexShape.Exact, body),
        };
    }

    /// <summary>Gets a value indicating whether any value matches (an empty StringMatch: presence only).</summary>
    public bool MatchesAnything => _exact is null && _prefix is null && _regex is null && _contains is null && _suffix is null;

    /// <summary>Gets the prefix of a prefix match (not of a regex), which rewrite.uri replaces.</summary>
    public string? Prefix => IsRegex ? null : _prefix;

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

        if (_contains is not null)
        {
            return value.Contains(_contains, _comparison);
        }

        if (_suffix is not null)
        {
            return value.EndsWith(_suffix, _comparison);
        }

        return _any || _regex is null || _regex.IsMatch(value);
    }

    public static Regex CreateRegex(string pattern, bool ignoreCase = false) =>
        new($"^(?:{pattern})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : 0));
}
