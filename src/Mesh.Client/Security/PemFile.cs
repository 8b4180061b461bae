using System.Globalization;
using System.Text;

namespace Mesh.Security;

/// <summary>
/// Reads the PEM files of certificates and keys with a bound: a file over <see cref="MaxBytes"/> (a file swapped for a
/// huge one, a symlink to a device such as <c>/dev/zero</c>) is refused by its size, never read whole.
/// </summary>
internal static class PemFile
{
    /// <summary>The largest PEM file read: 1 MiB (a chain of 100 RSA-4096 certificates is about 200 KB).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Reads a PEM file as text.</summary>
    /// <exception cref="IOException">The file cannot be read, or holds more than <see cref="MaxBytes"/> bytes; the message names it.</exception>
    public static string ReadText(string path) => Encoding.UTF8.GetString(ReadBytes(path));

    /// <summary>Reads a PEM file's bytes.</summary>
    /// <exception cref="IOException">The file cannot be read, or holds more than <see cref="MaxBytes"/> bytes; the message names it.</exception>
    public static byte[] ReadBytes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        if (stream.CanSeek && stream.Length > MaxBytes)
        {
            throw TooLarge(path, stream.Length.ToString(CultureInfo.InvariantCulture));
        }

        // Read to the end, but never past the bound: a device reports no length and never ends.
        using var content = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (content.Length + read > MaxBytes)
            {
                throw TooLarge(path, $"more than {MaxBytes.ToString(CultureInfo.InvariantCulture)}");
            }

            content.Write(buffer, 0, read);
        }

        return content.ToArray();
    }

    private static IOException TooLarge(string path, string size) =>
        new($"'{path}' is {size} bytes; certificate and key files are read up to {MaxBytes.ToString(CultureInfo.InvariantCulture)} bytes (1 MiB)");
}
