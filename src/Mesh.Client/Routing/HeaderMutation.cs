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
            headers.Remove(name);
            contentHeaders?.Remove(name);
        }

        foreach (var (name, value) in _set)
        {
            var target = contentHeaders is not null && IsContentHeader(name) ? contentHeaders : headers;
            target.Remove(name);
            target.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in _add)
        {
            var target = contentHeaders is not null && IsContentHeader(name) ? contentHeaders : headers;
            target.TryAddWithoutValidation(name, value);
        }
    }

    private static bool IsContentHeader(string name) => name.StartsWith("content-", StringComparison.OrdinalIgnoreCase) || name.Equals("expires", StringComparison.OrdinalIgnoreCase) || name.Equals("last-modified", StringComparison.OrdinalIgnoreCase) || name.Equals("allow", StringComparison.OrdinalIgnoreCase);
}
