using Mesh.Configuration;

namespace Mesh.Registry.Consul;

/// <summary>Where a document lives in KV: <c>&lt;prefix&gt;&lt;kind&gt;/&lt;namespace&gt;/&lt;name&gt;</c>, kind in lower case.</summary>
internal static class ConsulConfigKeys
{
    public static string For(string prefix, MeshDocument document, string defaultNamespace) =>
        For(prefix, document.Kind, document.Metadata.Namespace ?? defaultNamespace, document.Metadata.Name);

    public static string For(string prefix, string kind, string ns, string name) =>
        $"{Normalize(prefix)}{kind.ToLowerInvariant()}/{ns}/{name}";

    public static string Normalize(string prefix) => prefix.EndsWith('/') ? prefix : prefix + "/";

    /// <summary>Parses the document stored at <paramref name="key"/>; a document without a namespace takes the key's.</summary>
    public static MeshParseResult Parse(string key, string text, string prefix, bool keepJson = false)
    {
        var parsed = MeshDocumentParser.Parse(text, $"consul kv {key}", keepJson);
        var errors = parsed.Errors.Concat(Check(key, prefix, parsed.Documents)).ToList();
        if (errors.Count > 0)
        {
            return new MeshParseResult([], errors);
        }

        var document = parsed.Documents[0];
        var ns = key[Normalize(prefix).Length..].Split('/')[1];
        return new MeshParseResult([document.Metadata.Namespace is null ? document with { Metadata = document.Metadata with { Namespace = ns } } : document], []) { Json = parsed.Json };
    }

    /// <summary>A key must hold one document whose kind and name match the key, so that apply and delete find it again.</summary>
    public static IEnumerable<ConfigError> Check(string key, string prefix, IReadOnlyList<MeshDocument> documents)
    {
        if (documents.Count != 1)
        {
            yield return new ConfigError($"consul kv {key}", "", $"holds {documents.Count} documents; a key holds exactly one (use meshctl apply)");
            yield break;
        }

        var document = documents[0];
        var parts = key[Math.Min(Normalize(prefix).Length, key.Length)..].Split('/');
        if (parts.Length != 3 || !parts[0].Equals(document.Kind, StringComparison.OrdinalIgnoreCase) || parts[2] != document.Metadata.Name ||
            (document.Metadata.Namespace is { } ns && ns != parts[1]))
        {
            yield return new ConfigError(document.DisplayName, "metadata", $"is stored at '{key}', which does not match its kind/namespace/name; store it at '{For(prefix, document.Kind, document.Metadata.Namespace ?? parts.ElementAtOrDefault(1) ?? "default", document.Metadata.Name)}' (meshctl apply does)");
        }
    }
}
