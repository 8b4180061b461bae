using System.Net.Http.Headers;
using System.Text;

namespace Mesh.Registry.Consul;

internal sealed partial class ConsulClient
{
    /// <summary>GET /v1/kv/:prefix?recurse, blocking on <paramref name="index"/>; empty (not found) when no key has the prefix.</summary>
    public async Task<ConsulResult<KVPair[]>> ListKeysAsync(string prefix, ulong index, TimeSpan wait, CancellationToken cancellationToken)
    {
        var result = await GetAsync(Query($"v1/kv/{EscapeKey(prefix)}", index, wait, ("recurse", "")), ConsulJsonContext.Default.KVPairArray, index, wait, cancellationToken).ConfigureAwait(false);
        return new ConsulResult<KVPair[]>(result.Value ?? [], result.Found, result.Index);
    }

    /// <summary>GET /v1/kv/:key: the pair, or null when the key does not exist.</summary>
    public async Task<KVPair?> GetKeyAsync(string key, CancellationToken cancellationToken)
    {
        var result = await GetAsync(Query($"v1/kv/{EscapeKey(key)}", 0, null), ConsulJsonContext.Default.KVPairArray, 0, null, cancellationToken).ConfigureAwait(false);
        return result.Found && result.Value is { Length: > 0 } pairs ? pairs[0] : null;
    }

    /// <summary>PUT /v1/kv/:key; with <paramref name="cas"/>, only if the key's ModifyIndex is still that (0: only if absent). Returns whether it was written.</summary>
    public Task<bool> PutKeyAsync(string key, string value, ulong? cas, CancellationToken cancellationToken)
    {
        var content = new StringContent(value, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return WriteAsync(HttpMethod.Put, Query($"v1/kv/{EscapeKey(key)}", 0, null, ("cas", cas?.ToString(System.Globalization.CultureInfo.InvariantCulture))), content, cancellationToken);
    }

    /// <summary>DELETE /v1/kv/:key; with <paramref name="cas"/>, only if the key's ModifyIndex is still that. Returns whether it was deleted.</summary>
    public Task<bool> DeleteKeyAsync(string key, ulong? cas, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Delete, Query($"v1/kv/{EscapeKey(key)}", 0, null, ("cas", cas?.ToString(System.Globalization.CultureInfo.InvariantCulture))), null, cancellationToken);

    /// <summary>DELETE /v1/kv/:prefix?recurse.</summary>
    public Task<bool> DeleteTreeAsync(string prefix, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Delete, Query($"v1/kv/{EscapeKey(prefix)}", 0, null, ("recurse", "")), null, cancellationToken);

    /// <summary>Decodes a KV value (Consul sends it base64-encoded).</summary>
    public static string DecodeValue(KVPair pair) => pair.Value is null ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(pair.Value));

    private static string EscapeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
}
