using System.Text.RegularExpressions;

namespace Mesh.Configuration.Internal;

/// <summary>
/// The regexes Mesh builds from a config, in one place, so that the validator compiles exactly what
/// the router and the rewriter run: linear-time (NonBacktracking, like RE2), culture-invariant, and for
/// a StringMatch anchored, since Envoy matches the whole value.
/// </summary>
internal static class RouteRegex
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    /// <summary>The anchored form a StringMatch regex is matched with.</summary>
    public static Regex CreateMatch(string pattern, bool ignoreCase = false) =>
        new($"^(?:{pattern})$", Options | (ignoreCase ? RegexOptions.IgnoreCase : 0));

    /// <summary>The form a uriRegexRewrite match is searched with.</summary>
    public static Regex CreateRewrite(string pattern) => new(pattern, Options);
}
