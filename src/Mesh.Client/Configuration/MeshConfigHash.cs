using System.Globalization;
using System.IO.Hashing;
using System.Text.Json;

namespace Mesh.Configuration;

/// <summary>
/// A fingerprint of config documents by content, the same in every process that holds the same documents (Mesh.Server,
/// each instance): XxHash64 over each document's JSON form without its source location, in kind/namespace/name order,
/// as 16 hex digits. Lets the dashboard tell an instance that runs other config than the server serves.
/// </summary>
internal static class MeshConfigHash
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Returns the fingerprint of <paramref name="documents"/> (their order does not matter).</summary>
    public static string Of(IEnumerable<MeshDocument> documents)
    {
        var hash = new XxHash64();
        foreach (var document in documents.OrderBy(d => d.Kind, StringComparer.Ordinal)
                     .ThenBy(d => d.Metadata.Namespace, StringComparer.Ordinal)
                     .ThenBy(d => d.Metadata.Name, StringComparer.Ordinal))
        {
            hash.Append(Bytes(document));
        }

        return hash.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the fingerprint of one document: its version as the dashboard shows it.</summary>
    public static string Of(MeshDocument document) => XxHash64.HashToUInt64(Bytes(document)).ToString("x16", CultureInfo.InvariantCulture);

#pragma warning disable IL2026, IL3050 // reflection-based JSON of the document records: not trimmed
    private static byte[] Bytes(MeshDocument document) => JsonSerializer.SerializeToUtf8Bytes(document with { Source = null }, document.GetType(), Json);
#pragma warning restore IL2026, IL3050
}
