using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Configuration;
using Mesh.Registry.Consul;

namespace Mesh.Cli;

/// <summary>The mesh config in Consul KV, one document per key: <c>&lt;prefix&gt;&lt;kind&gt;/&lt;namespace&gt;/&lt;name&gt;</c>, as JSON.</summary>
internal sealed class ConfigStore(ConsulClient client, string prefix, string defaultNamespace)
{
    public string Prefix { get; } = ConsulConfigKeys.Normalize(prefix);

    /// <summary>Every stored document with its key, text and ModifyIndex; documents that do not parse are reported, not hidden.</summary>
    public async Task<(List<StoredDocument> Documents, List<ConfigError> Errors)> LoadAsync(CancellationToken cancellationToken)
    {
        var result = await client.ListKeysAsync(Prefix, 0, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        var documents = new List<StoredDocument>();
        var errors = new List<ConfigError>();
        foreach (var pair in result.Value.Where(p => !p.Key.EndsWith('/')).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var text = ConsulClient.DecodeValue(pair);
            var parsed = ConsulConfigKeys.Parse(pair.Key, text, Prefix, keepJson: true);
            errors.AddRange(parsed.Errors);
            if (parsed.Documents.Count == 1)
            {
                documents.Add(new StoredDocument(pair.Key, text, pair.ModifyIndex, parsed.Documents[0], parsed.Json[0]));
            }
        }

        return (documents, errors);
    }

    public string KeyOf(MeshDocument document) => ConsulConfigKeys.For(Prefix, document, defaultNamespace);

    public string KeyOf(string kind, string name) => ConsulConfigKeys.For(Prefix, kind, defaultNamespace, name);

    /// <summary>The stored form: the document's JSON as written, with its namespace filled in.</summary>
    public string Serialize(MeshDocument document, JsonObject json)
    {
        var copy = (JsonObject)json.DeepClone();
        if (copy["metadata"] is JsonObject metadata && metadata["namespace"] is null)
        {
            metadata["namespace"] = document.Metadata.Namespace ?? defaultNamespace;
        }

        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    public Task<bool> PutAsync(string key, string text, ulong cas, CancellationToken cancellationToken) => client.PutKeyAsync(key, text, cas, cancellationToken);

    public Task<bool> DeleteAsync(string key, ulong cas, CancellationToken cancellationToken) => client.DeleteKeyAsync(key, cas, cancellationToken);
}

/// <summary>A document as stored in KV: its text, and that text read as JSON (KV may hold YAML written by hand).</summary>
internal sealed record StoredDocument(string Key, string Text, ulong ModifyIndex, MeshDocument Document, JsonObject Json);
