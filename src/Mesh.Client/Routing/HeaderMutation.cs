using System.Net.Http.Headers;
using Mesh.Configuration;

namespace Mesh.Routing;

/// <summary>Compiled header operations: remove, then set, then add (Envoy's order).</summary>
internal sealed class HeaderMutation(HeaderOperations operations)
{
    private readonly KeyValuePair<string, string>[] _set = [.. operations.Set];
    private readonly KeyValuePair<string, string>[] _add = [.. operations.Add];
    private readonly string[] _remove = [.. operations.Remove];

    public static HeaderMutation? Create(HeaderOperations? operations) =>
        operations is null || (operations.Set.Count == 0 && operations.Add.Count == 0 && operations.Remove.Count == 0) ? null : new HeaderMutation(operations);

    public void Apply(HttpHeaders headers, HttpHeaders? contentHeaders)
    {
        foreach (var name in _remove)
        {
            Remove(headers, name);
            Remove(contentHeaders, name);
        }

        foreach (var (name, value) in _set)
        {
            var target = contentHeaders is not null && IsContentHeader(name) ? contentHeaders : headers;
            Remove(target, name);
            target.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in _add)
        {
            var target = contentHeaders is not null && IsContentHeader(name) ? contentHeaders : headers;
            target.TryAddWithoutValidation(name, value);
        }
    }

    // HttpHeaders.Remove throws for a name its collection cannot hold (Server or User-Agent on content
    // headers, Content-Type on request or response headers); NonValidated.Contains does not.
    private static void Remove(HttpHeaders? headers, string name)
    {
        if (headers is not null && headers.NonValidated.Contains(name))
        {
            headers.Remove(name);
        }
    }

    private static bool IsContentHeader(string name) => name.StartsWith("content-", StringComparison.OrdinalIgnoreCase) || name.Equals("expires", StringComparison.OrdinalIgnoreCase) || name.Equals("last-modified", StringComparison.OrdinalIgnoreCase) || name.Equals("allow", StringComparison.OrdinalIgnoreCase);
}
