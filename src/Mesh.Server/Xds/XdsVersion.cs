using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Mesh.Server.Xds;

/// <summary>
/// Versions made from content, never from counters: the hash of the names and bytes of the resources
/// a response holds, so that Mesh.Server replicas reading one registry send the same version for the
/// same resources, and a restart does not make clients re-apply what they have.
/// </summary>
internal static class XdsVersion
{
    /// <summary>Gets the version of a response: XxHash64 over each resource's name and content hash, in name order; 16 hex digits.</summary>
    public static string Of(IEnumerable<XdsResource> resources)
    {
        var hash = new XxHash64();
        Span<byte> buffer = stackalloc byte[8];
        foreach (var resource in resources.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            hash.Append(Encoding.UTF8.GetBytes(resource.Name));
            buffer[0] = 0;
            hash.Append(buffer[..1]);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, resource.Hash);
            hash.Append(buffer);
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    /// <summary>Gets the hash of one resource's serialized bytes.</summary>
    public static ulong OfBytes(ReadOnlySpan<byte> bytes) => XxHash64.HashToUInt64(bytes);
}
