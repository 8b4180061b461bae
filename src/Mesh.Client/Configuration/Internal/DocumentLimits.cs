namespace Mesh.Configuration.Internal;

/// <summary>
/// What one text of config documents may cost to read. Every real Istio file is far inside these
/// (Bookinfo's largest document: under 2 KB, 60 nodes, depth 9); they exist so that a hostile file
/// or Consul KV value is refused with an error instead of exhausting the process. docs/configuration.md
/// lists them.
/// </summary>
internal static class DocumentLimits
{
    /// <summary>The most characters in one file, KV value or standard input.</summary>
    public const int MaxFileChars = 4 * 1024 * 1024;

    /// <summary>The most characters in one document (Kubernetes stores objects of at most 1.5 MiB).</summary>
    public const int MaxDocumentChars = 1024 * 1024;

    /// <summary>The most documents in one file.</summary>
    public const int MaxDocuments = 1000;

    /// <summary>The deepest nesting of mappings and sequences, aliases expanded (Istio's deepest schema path is under 15).</summary>
    public const int MaxDepth = 64;

    /// <summary>The most nodes in one document, every alias counted as the nodes it stands for.</summary>
    public const int MaxNodesPerDocument = 100_000;

    /// <summary>The most nodes in one file, aliases expanded.</summary>
    public const int MaxNodesPerFile = 500_000;

    /// <summary>
    /// The longest regex, in characters. Building a linear-time matcher costs memory and time in
    /// proportion to the pattern (500,000 characters: 1.7 s and 130 MB); Envoy's default RE2 program
    /// size of 100 already refuses patterns far shorter than this.
    /// </summary>
    public const int MaxRegexChars = 1024;

    /// <summary>The longest duration: .NET timers and connect timeouts take at most 2^31-1 ms (about 596.5 h).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(596);

    /// <summary>Reads a file, refusing one larger than <see cref="MaxFileChars"/> before reading it.</summary>
    public static bool TryReadFile(string path, out string text, out ConfigError? error)
    {
        text = "";
        error = null;
        var length = new FileInfo(path).Length;
        if (length > MaxFileChars * 4L)
        {
            // Even at 4 bytes a character this is over the limit; do not read it at all.
            error = TooLarge(path, length, "bytes");
            return false;
        }

        text = File.ReadAllText(path);
        if (text.Length > MaxFileChars)
        {
            error = TooLarge(path, text.Length, "characters");
            text = "";
            return false;
        }

        return true;
    }

    /// <summary>Reads standard input up to the limit.</summary>
    public static bool TryRead(TextReader reader, string source, out string text, out ConfigError? error)
    {
        var buffer = new char[MaxFileChars + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = reader.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        error = total > MaxFileChars ? TooLarge(source, total, "characters or more") : null;
        text = error is null ? new string(buffer, 0, total) : "";
        return error is null;
    }

    public static ConfigError TooLarge(string source, long size, string unit) =>
        new(source, "", $"is {size} {unit}; Mesh reads at most {MaxFileChars} characters (4 MiB) per file (limit: file size). Split it into several files");
}
