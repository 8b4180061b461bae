using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>One line for a match block, such as <c>headers[end-user] exact "jason" AND uri prefix "/api"</c>.</summary>
internal static class MatchText
{
    public static string Describe(HttpMatchRequest match)
    {
        var parts = new List<string>();
        void Add(string what, StringMatch? value)
        {
            if (value is not null)
            {
                parts.Add($"{what} {Describe(value)}");
            }
        }

        Add(match.IgnoreUriCase ? "uri (ignore case)" : "uri", match.Uri);
        Add("scheme", match.Scheme);
        Add("method", match.Method);
        Add("authority", match.Authority);
        foreach (var (name, value) in match.Headers)
        {
            Add($"headers[{name}]", value);
        }

        foreach (var (name, value) in match.WithoutHeaders)
        {
            Add($"withoutHeaders[{name}]", value);
        }

        foreach (var (name, value) in match.QueryParams)
        {
            Add($"queryParams[{name}]", value);
        }

        if (match.Port is { } port)
        {
            parts.Add($"port {port}");
        }

        if (match.SourceLabels.Count > 0)
        {
            parts.Add($"sourceLabels {string.Join(",", match.SourceLabels.Select(l => $"{l.Key}={l.Value}"))}");
        }

        return parts.Count == 0 ? "any request" : string.Join(" AND ", parts);
    }

    private static string Describe(StringMatch match) =>
        match.Exact is not null ? $"exact \"{match.Exact}\"" :
        match.Prefix is not null ? $"prefix \"{match.Prefix}\"" :
        match.Regex is not null ? $"regex \"{match.Regex}\"" : "present";
}
