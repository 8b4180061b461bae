using System.Globalization;

namespace Mesh.Configuration.Internal;

/// <summary>Parses durations as Istio's YAML writes them (protobuf Duration and Go's time.Duration forms).</summary>
internal static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var total = 0.0;
        var any = false;
        while (!span.IsEmpty)
        {
            var i = 0;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !double.TryParse(span[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[i..];
            var j = 0;
            // Go also writes microseconds as µs (U+00B5, the micro sign) or μs (U+03BC, Greek mu), which are not ASCII.
            while (j < span.Length && (char.IsAsciiLetter(span[j]) || span[j] is '\u00B5' or '\u03BC'))
            {
                j++;
            }

            double scale;
            switch (span[..j])
            {
                case "h": scale = 3600_000; break;
                case "m": scale = 60_000; break;
                case "s": scale = 1000; break;
                case "ms": scale = 1; break;
                case "us" or "\u00B5s" or "\u03BCs": scale = 0.001; break;
                case "ns": scale = 0.000001; break;
                default: return false;
            }

            total += number * scale;
            span = span[j..];
            any = true;
        }

        value = TimeSpan.FromMilliseconds(total);
        return any;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 == 0
            ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
            : $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
