using System.Collections.Concurrent;

namespace Mesh.Grpc;

/// <summary>
/// The URI each method of a mesh channel is routed as (<c>http://reviews:9080/pkg.Service/Method</c>), cached by the
/// URI Grpc.Net.Client builds once per method (<c>http://loadbalancer.temporary.invalid/pkg.Service/Method</c>), so
/// that route matches on the port and authority see the target's.
/// </summary>
internal sealed class LogicalUris(GrpcTarget target)
{
    private const int MaxEntries = 4096;
    private readonly ConcurrentDictionary<Uri, Uri> _byCallUri = new(ReferenceEqualityComparer.Instance);

    public Uri For(Uri callUri)
    {
        if (_byCallUri.TryGetValue(callUri, out var logical))
        {
            return logical;
        }

        if (string.Equals(callUri.IdnHost, target.Host, StringComparison.OrdinalIgnoreCase))
        {
            return callUri;
        }

        logical = new Uri(target.Uri, callUri.PathAndQuery);
        if (_byCallUri.Count < MaxEntries)
        {
            _byCallUri.TryAdd(callUri, logical);
        }

        return logical;
    }

    /// <summary>The URI a method is routed as, by its full name (<c>/pkg.Service/Method</c>).</summary>
    public Uri For(string methodFullName) => _byName.GetOrAdd(methodFullName, static (name, t) => new Uri(t.Uri, name), target);

    private readonly ConcurrentDictionary<string, Uri> _byName = new(StringComparer.Ordinal);
}
