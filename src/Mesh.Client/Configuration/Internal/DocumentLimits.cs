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

    /// <summary>
    /// Reads a file, refusing one larger than <see cref="MaxFileChars"/>. It reads at most that much,
    /// whatever the file claims to be: a FIFO or a link to /dev/zero has no length and never ends.
    /// </summary>
    public static bool TryReadFile(string path, out string text, out ConfigError? error)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return TryRead(reader, path, out text, out error);
    }

    /// <summary>Reads a file or standard input up to the limit.</summary>
    public static bool TryRead(TextReader reader, string source, out string text, out ConfigError? error)
    {
        var result = new System.Text.StringBuilder();
        var buffer = new char[16 * 1024];
        int read;
        while (result.Length <= MaxFileChars && (read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            result.Append(buffer, 0, read);
        }

        error = result.Length > MaxFileChars ? TooLarge(source, result.Length, "characters or more") : null;
        text = error is null ? result.ToString() : "";
        return error is null;
    }

    public static ConfigError TooLarge(string source, long size, string unit) =>
        new(source, "", $"is {size} {unit}; Mesh reads at most {MaxFileChars} characters (4 MiB) per file (limit: file size). Split it into several files");
}
