using System.Globalization;

namespace Mesh.Configuration.Internal;

/// <summary>Parses durations as Istio's YAML writes them (protobuf Duration and Go's time.Duration forms).</summary>
internal static class DurationParser
{
    private const decimal NanosecondsPerTick = 100m;

    // Far past any limit, and small enough that the sum below cannot overflow decimal.
    private const decimal MaxNumber = 1e15m;
    private const decimal MaxNanoseconds = 1e27m;

    /// <summary>Parses a duration, to the tick; false for text that is not a duration or is longer than <see cref="TimeSpan.MaxValue"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (!TryParseNanoseconds(text, out var nanoseconds) || nanoseconds / NanosecondsPerTick > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)decimal.Truncate(nanoseconds / NanosecondsPerTick));
        return true;
    }

    /// <summary>Parses a duration exactly, in nanoseconds, so that neither a huge value nor a sub-tick one is silently changed.</summary>
    public static bool TryParseNanoseconds(string? text, out decimal nanoseconds)
    {
        nanoseconds = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var total = 0m;
        var any = false;
        while (!span.IsEmpty)
        {
            var i = 0;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !decimal.TryParse(span[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number > MaxNumber)
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

            decimal scale;
            switch (span[..j])
            {
                case "h": scale = 3_600_000_000_000m; break;
                case "m": scale = 60_000_000_000m; break;
                case "s": scale = 1_000_000_000m; break;
                case "ms": scale = 1_000_000m; break;
                case "us" or "\u00B5s" or "\u03BCs": scale = 1_000m; break;
                case "ns": scale = 1m; break;
                default: return false;
            }

            total += number * scale;
            if (total > MaxNanoseconds)
            {
                return false;
            }

            span = span[j..];
            any = true;
        }

        nanoseconds = total;
        return any;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 == 0
            ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
            : $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
