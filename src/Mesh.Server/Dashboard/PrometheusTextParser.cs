using System.Globalization;

namespace Mesh.Server.Dashboard;

/// <summary>
/// Reads Prometheus' text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/), as
/// OpenTelemetry's Prometheus exporter writes it: <c>name{label="value",...} value [timestamp]</c>, comments and
/// <c>#</c> lines skipped. Hostile input is bounded: a line longer than <see cref="MaxLineLength"/>, with more than
/// <see cref="MaxLabels"/> labels, a bad escape or a bad number is refused alone (counted, the first reason kept)
/// and the rest is read; at most <see cref="MaxSamples"/> samples are kept.
/// </summary>
internal static class PrometheusTextParser
{
    public const int MaxLineLength = 16 * 1024;
    public const int MaxLabels = 64;
    public const int MaxSamples = 100_000;

    /// <summary>Parses <paramref name="text"/>; only samples whose metric name <paramref name="wanted"/> accepts are kept (all when null).</summary>
    public static PrometheusParseResult Parse(string text, Func<string, bool>? wanted = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var rejected = 0;
        string? firstError = null;
        var lineNumber = 0;
        var position = 0;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            if (end < 0)
            {
                end = text.Length;
            }

            lineNumber++;
            var line = text.AsSpan(position, end - position).TrimEnd('\r');
            position = end + 1;
            if (line.IsEmpty || line[0] == '#' || line.IsWhiteSpace())
            {
                continue;
            }

            string? error;
            PrometheusSample? sample = null;
            if (line.Length > MaxLineLength)
            {
                error = $"longer than {MaxLineLength} characters";
            }
            else
            {
                error = TryParseLine(line, wanted, out sample);
            }

            if (error is not null)
            {
                rejected++;
                firstError ??= $"line {lineNumber}: {error}";
            }
            else if (sample is not null)
            {
                if (samples.Count >= MaxSamples)
                {
                    rejected++;
                    firstError ??= $"line {lineNumber}: more than {MaxSamples} samples";
                    break;
                }

                samples.Add(sample);
            }
        }

        return new PrometheusParseResult(samples, rejected, firstError);
    }

    /// <summary>Returns null and the sample (null when not wanted), or the reason the line is refused.</summary>
    private static string? TryParseLine(ReadOnlySpan<char> line, Func<string, bool>? wanted, out PrometheusSample? sample)
    {
        sample = null;
        var i = 0;
        while (i < line.Length && line[i] == ' ')
        {
            i++;
        }

        var nameStart = i;
        while (i < line.Length && IsNameChar(line[i], i == nameStart, colon: true))
        {
            i++;
        }

        if (i == nameStart)
        {
            return "no metric name";
        }

        var name = line[nameStart..i].ToString();
        if (wanted is not null && !wanted(name))
        {
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && line[i] == ' ')
                {
                    i++;
                }

                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var labelStart = i;
                while (i < line.Length && IsNameChar(line[i], i == labelStart, colon: false))
                {
                    i++;
                }

                if (i == labelStart)
                {
                    return "a label without a name";
                }

                var labelName = line[labelStart..i].ToString();
                if (i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"')
                {
                    return $"label '{labelName}' has no quoted value";
                }

                i += 2;
                var value = new System.Text.StringBuilder();
                var closed = false;
                while (i < line.Length)
                {
                    var c = line[i++];
                    if (c == '"')
                    {
                        closed = true;
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i >= line.Length)
                        {
                            break;
                        }

                        var escaped = line[i++];
                        switch (escaped)
                        {
                            case '\\':
                                value.Append('\\');
                                break;
                            case '"':
                                value.Append('"');
                                break;
                            case 'n':
                                value.Append('\n');
                                break;
                            default:
                                return $"label '{labelName}': bad escape '\\{escaped}'";
                        }

                        continue;
                    }

                    value.Append(c);
                }

                if (!closed)
                {
                    return $"label '{labelName}': unterminated value";
                }

                if (labels.Count >= MaxLabels)
                {
                    return $"more than {MaxLabels} labels";
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    return $"label '{labelName}' given twice";
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    return "labels not closed with '}'";
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            return "no value";
        }

        while (i < line.Length && line[i] == ' ')
        {
            i++;
        }

        var valueStart = i;
        while (i < line.Length && line[i] != ' ')
        {
            i++;
        }

        var text = line[valueStart..i];
        double number;
        if (text.SequenceEqual("+Inf"))
        {
            number = double.PositiveInfinity;
        }
        else if (text.SequenceEqual("-Inf"))
        {
            number = double.NegativeInfinity;
        }
        else if (text.SequenceEqual("NaN"))
        {
            number = double.NaN;
        }
        else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || double.IsInfinity(number))
        {
            return $"bad number '{Shorten(text)}'";
        }

        // An optional timestamp follows; the scrape's own time is used.
        sample = new PrometheusSample(name, labels, number);
        return null;
    }

    private static string Shorten(ReadOnlySpan<char> text) => text.Length > 32 ? string.Concat(text[..32], "...") : text.ToString();

    private static bool IsNameChar(char c, bool first, bool colon) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (colon && c == ':') || (!first && c is >= '0' and <= '9');
}
