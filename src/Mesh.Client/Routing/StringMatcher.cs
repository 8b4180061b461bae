using System.Text.RegularExpressions;
using Mesh.Configuration;

namespace Mesh.Routing;

/// <summary>A compiled Istio StringMatch. Regexes are anchored (Envoy matches the whole value) and linear-time, like RE2.</summary>
internal sealed class StringMatcher
{
    private readonly MatchKind _kind;
    private readonly string _literal;
    private readonly Regex? _regex;
    private readonly string? _regexPrefix;
    private readonly string? _regexSuffix;
    private readonly StringComparison _comparison;

    public StringMatcher(StringMatch match, bool ignoreCase = false)
    {
        string? exact = match.Exact, prefix = match.Prefix, contains = null, suffix = null;
        var any = false;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        Prefix = match.Regex is null ? match.Prefix : null;
        if (match.Regex is { } regex)
        {
            // Most regexes in routing rules are a literal with '.*' around it; match those as strings.
            switch (Simplify(regex))
            {
                case (RegexShape.Any, _):
                    any = true;
                    break;
                case (RegexShape.Exact, var literal):
                    exact = literal;
                    break;
                case (RegexShape.Prefix, var literal):
                    prefix = literal;
                    break;
                case (RegexShape.Suffix, var literal):
                    suffix = literal;
                    break;
                case (RegexShape.Contains, var literal):
                    contains = literal;
                    break;
                default:
                    _regex = CreateRegex(regex, ignoreCase);
                    if (!ignoreCase)
                    {
                        // Case-insensitive regexes fold case by Unicode rules an ordinal comparison does not share.
                        (_regexPrefix, _regexSuffix) = RequiredLiterals(regex);
                    }

                    break;
            }

            IsRegex = true;
        }

        // Exact, then prefix, contains, suffix win over a regex, in that order, should several be set.
        (_kind, _literal) = (exact, prefix, contains, suffix) switch
        {
            ({ } e, _, _, _) => (MatchKind.Exact, e),
            (_, { } p, _, _) => (MatchKind.Prefix, p),
            (_, _, { } c, _) => (MatchKind.Contains, c),
            (_, _, _, { } x) => (MatchKind.Suffix, x),
            _ => (any || _regex is null ? MatchKind.Any : MatchKind.Regex, ""),
        };
    }

    private enum MatchKind
    {
        Any,
        Exact,
        Prefix,
        Contains,
        Suffix,
        Regex,
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

    /// <summary>Gets a value indicating whether a match runs the regex engine (the regex is not a literal with '.*' around it).</summary>
    public bool UsesRegexEngine => _kind == MatchKind.Regex;

    /// <summary>Gets a value indicating whether any value matches (an empty StringMatch: presence only).</summary>
    public bool MatchesAnything => _kind == MatchKind.Any;

    /// <summary>Gets the prefix of a prefix match (not of a regex), which rewrite.uri replaces.</summary>
    public string? Prefix { get; }

    /// <summary>Gets the literal of a case-sensitive exact match (written as exact or as a literal regex), else null.</summary>
    public string? OrdinalExact => _kind == MatchKind.Exact && _comparison == StringComparison.Ordinal ? _literal : null;

    /// <summary>Gets the literal of a case-sensitive prefix match (written as prefix or as 'literal.*'), else null.</summary>
    public string? OrdinalPrefix => _kind == MatchKind.Prefix && _comparison == StringComparison.Ordinal ? _literal : null;

    public bool IsMatch(ReadOnlySpan<char> value)
    {
        if (_comparison == StringComparison.Ordinal)
        {
            // The common case, without the comparison switch of the StringComparison overloads.
            switch (_kind)
            {
                case MatchKind.Exact:
                    return value.SequenceEqual(_literal);
                case MatchKind.Prefix:
                    return value.StartsWith(_literal);
                case MatchKind.Contains:
                    return value.IndexOf(_literal) >= 0;
                case MatchKind.Suffix:
                    return value.EndsWith(_literal);
            }
        }
        else
        {
            switch (_kind)
            {
                case MatchKind.Exact:
                    return value.Equals(_literal, _comparison);
                case MatchKind.Prefix:
                    return value.StartsWith(_literal, _comparison);
                case MatchKind.Contains:
                    return value.Contains(_literal, _comparison);
                case MatchKind.Suffix:
                    return value.EndsWith(_literal, _comparison);
            }
        }

        return _kind == MatchKind.Any || IsRegexMatch(value);
    }

    private bool IsRegexMatch(ReadOnlySpan<char> value)
    {
        // A value without the literal text every match starts and ends with cannot match; skip the engine.
        if (_regexPrefix is not null && !value.StartsWith(_regexPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (_regexSuffix is not null && !EndsWithBeforeNewline(value, _regexSuffix))
        {
            return false;
        }

        return _regex!.IsMatch(value);
    }

    /// <summary>
    /// Returns literal text that every match of <paramref name="pattern"/> (anchored, case-sensitive)
    /// starts with and ends with, or null where the pattern does not fix any. Only plain characters
    /// count: the leading run stops at the first metacharacter or escape and loses its last character
    /// when a quantifier follows; the trailing run must follow a construct that ends a token. A pattern
    /// with an alternation at the top level, or any "(?" construct, fixes none.
    /// </summary>
    internal static (string? Prefix, string? Suffix) RequiredLiterals(string pattern)
    {
        if (pattern.Contains("(?", StringComparison.Ordinal) || !HasNoTopLevelAlternation(pattern))
        {
            return (null, null);
        }

        var end = 0;
        while (end < pattern.Length && IsPlain(pattern[end]))
        {
            end++;
        }

        if (end < pattern.Length && pattern[end] is '*' or '+' or '?' or '{')
        {
            end--; // the quantifier applies to the last character, which may then be absent or repeated
        }

        var start = pattern.Length;
        while (start > 0 && IsPlain(pattern[start - 1]))
        {
            start--;
        }

        // After an escape ("\d", "\x41") the run's first characters belong to it; after anything but
        // the end of a class, group, quantifier, '.' or an anchor, give up rather than guess.
        var suffixIsLiteral = start < pattern.Length && (start == 0 || pattern[start - 1] is ']' or ')' or '}' or '*' or '+' or '?' or '.' or '^' or '$');
        return (end > 0 ? pattern[..end] : null, suffixIsLiteral && start > 0 ? pattern[start..] : null);
    }

    private static bool IsPlain(char c) => c is > ' ' and <= '~' && @"\.^$|?*+()[]{}#".IndexOf(c, StringComparison.Ordinal) < 0;

    /// <summary>Returns false when the pattern has an alternation outside every group (or cannot be scanned with confidence).</summary>
    private static bool HasNoTopLevelAlternation(string pattern)
    {
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    // Skip the class: an optional '^', a leading ']' that is literal, then up to the first unescaped ']'.
                    i++;
                    if (i < pattern.Length && pattern[i] == '^')
                    {
                        i++;
                    }

                    if (i < pattern.Length && pattern[i] == ']')
                    {
                        i++;
                    }

                    while (i < pattern.Length && pattern[i] != ']')
                    {
                        i += pattern[i] == '\\' ? 2 : 1;
                    }

                    if (i >= pattern.Length)
                    {
                        return false;
                    }

                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '|' when depth <= 0:
                    return false;
            }
        }

        return true;
    }

    /// <summary>Anchored with '$', a match may also end just before a final newline.</summary>
    private static bool EndsWithBeforeNewline(ReadOnlySpan<char> value, string suffix) =>
        value.EndsWith(suffix, StringComparison.Ordinal) ||
        (value is [.., '\n'] && value[..^1].EndsWith(suffix, StringComparison.Ordinal));

    public static Regex CreateRegex(string pattern, bool ignoreCase = false) => Configuration.Internal.RouteRegex.CreateMatch(pattern, ignoreCase);
}
