using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mesh.Configuration;
using Mesh.Registry;
using Mesh.Snapshot;

namespace Mesh.Testing;

/// <summary>
/// Seeded mutations of real config files (key deletion and duplication, type swaps, huge, negative
/// and NaN numbers, long strings, unicode, BOMs, CRLF, aliases, deep nesting, truncation), and the
/// check every input must pass: parsed, validated and compiled as a service does, it ends accepted or
/// refused with errors, never with another exception, within a memory and a time bound (shared
/// source, linked into the tests and the benchmarks).
/// </summary>
internal sealed class ConfigFuzzer(IReadOnlyList<string> seeds, int seed)
{
    private static readonly string[] Values =
    [
        "[]", "{}", "[a, b]", "{a: b}", "~", "null", "true", "'x'", "\"\"", "-1", "0", "-0", "1.5", "1e400", "-1e400",
        "2147483647", "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999999999999",
        "NaN", ".nan", ".inf", "-.inf", "Infinity", "0x1F", "007", "1_000", "+5",
        "999999999h", "1ns", "-1s", "0s", "1.5ms", "596h", "597h", "1000h", "0.0001s",
        "'a{2000}'", "'(a{1000}){1000}'", "'(?<=x)y'", "'[a-'", "'\\\\1'", "'.*'", "'a)|(b'",
        "{<<: {a: b}}", "{<<: [{a: b}, {c: d}], a: e}", "{<<: 5}", "{kind: List, items: [{}]}", "\uFEFFx",
        "!!binary aGVsbG8=", "!custom x", "&anchor x", "*nowhere", "|\n  block", ">\n  folded", "\"\\u0000\"",
    ];

    private static readonly string[] Unicode = ["\u0000", "\u200B", "\u202E", "\uFEFF", "\uD83D\uDE00", "\uD800", "é", "\u0130", "\u03A3", "\u00B5s", "\t", "\r", "\u2028", "\u0085"];

    private readonly Random _random = new(seed);

    /// <summary>Gets the next input: a seed text with one to three mutations.</summary>
    public string Next()
    {
        var text = seeds[_random.Next(seeds.Count)];
        var count = 1 + _random.Next(3);
        for (var i = 0; i < count; i++)
        {
            text = Mutate(text);
        }

        return text;
    }

    private string Mutate(string text)
    {
        var lines = text.Split('\n').ToList();

        // Mostly a line with a value, where type swaps and numbers mean something to the reader.
        var line = _random.Next(lines.Count);
        for (var tries = 0; tries < 8 && !lines[line].Contains(": ", StringComparison.Ordinal); tries++)
        {
            line = _random.Next(lines.Count);
        }

        var kind = _random.Next(20);
        switch (kind >= 16 ? 2 : kind) // type swaps four times as often as the rest
        {
            case 0: // key deletion
                lines.RemoveAt(line);
                break;
            case 1: // key duplication
                lines.Insert(line, lines[line]);
                break;
            case 2: // type swap, huge, negative, NaN numbers, bad durations and regexes
                lines[line] = ReplaceValue(lines[line], Values[_random.Next(Values.Length)]);
                break;
            case 3: // long string
                lines[line] = ReplaceValue(lines[line], new string((char)('a' + _random.Next(26)), 1 << _random.Next(18)));
                break;
            case 4: // unicode
                lines[line] = lines[line].Insert(_random.Next(lines[line].Length + 1), Unicode[_random.Next(Unicode.Length)]);
                break;
            case 5: // BOM before the text or a document
                return _random.Next(2) == 0 ? "\uFEFF" + text : text.Replace("\n---", "\n\uFEFF---", StringComparison.Ordinal);
            case 6: // CRLF, or lone CR
                return text.Replace("\n", _random.Next(2) == 0 ? "\r\n" : "\r", StringComparison.Ordinal);
            case 7: // an anchor and aliases, maybe one that contains itself
                lines[line] = ReplaceValue(lines[line], "&x " + Values[_random.Next(Values.Length)]);
                lines.Add(_random.Next(2) == 0 ? "status: [*x, *x, *x]" : "status: &x [*x]");
                break;
            case 8: // billion laughs, of a random depth
                lines.Add(Laughs(1 + _random.Next(9)));
                break;
            case 9: // deep nesting, closed or not
                var depth = 1 << _random.Next(14);
                lines[line] = ReplaceValue(lines[line], new string('[', depth) + (_random.Next(2) == 0 ? new string(']', depth) : ""));
                break;
            case 10: // truncation
                return text[.._random.Next(text.Length + 1)];
            case 11: // indentation
                lines[line] = _random.Next(2) == 0 ? "  " + lines[line] : lines[line].TrimStart();
                break;
            case 12: // a whole document again, or the text as kubectl's List
                return _random.Next(2) == 0
                    ? text + "\n---\n" + text
                    : "apiVersion: v1\nkind: List\nitems:\n" + string.Join('\n', text.Split("\n---\n").Select(d => "- " + d.Replace("\n", "\n  ", StringComparison.Ordinal)));
            case 13: // one character of YAML syntax
                var at = _random.Next(text.Length + 1);
                return text.Insert(at, ":-[]{}&*!|>%@`#,?'\""[_random.Next(19)].ToString());
            case 14: // a mapping or a sequence as a key
                lines.Insert(line, (_random.Next(2) == 0 ? "[a, b]" : "? {a: b}") + ": 1");
                break;
            default: // values swapped between two lines
                var other = _random.Next(lines.Count);
                (lines[line], lines[other]) = (ReplaceValue(lines[line], ValueOf(lines[other])), ReplaceValue(lines[other], ValueOf(lines[line])));
                break;
        }

        return string.Join('\n', lines);
    }

    private static string ReplaceValue(string line, string value)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? line[..(colon + 2)] + value : line.TrimEnd() + (line.TrimStart().StartsWith('-') ? " " : ": ") + value;
    }

    private static string ValueOf(string line)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? line[(colon + 2)..] : "";
    }

    private static string Laughs(int levels)
    {
        var text = new StringBuilder("status:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]");
        for (var i = 1; i < levels; i++)
        {
            var previous = string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10));
            text.Append(CultureInfo.InvariantCulture, $"\n  l{i}: &l{i} [{previous}]");
        }

        return text.ToString();
    }

    /// <summary>
    /// Valid texts to mutate: Bookinfo's DestinationRules, and each walkthrough VirtualService file
    /// after them (the files alone name subsets no rule defines, and all together route one host twice).
    /// </summary>
    public static IReadOnlyList<string> BookinfoSeeds(string networkingDirectory)
    {
        var rules = File.ReadAllText(Path.Combine(networkingDirectory, "destination-rule-all.yaml"));
        return
        [
            rules,
            .. Directory.GetFiles(networkingDirectory, "virtual-service-*.yaml")
                .Order(StringComparer.Ordinal)
                .Select(file => rules.TrimEnd() + "\n---\n" + File.ReadAllText(file)),
        ];
    }

    /// <summary>The instances of Bookinfo, with the labels its DestinationRules select.</summary>
    public static IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> BookinfoInstances()
    {
        var result = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>();
        var port = 9080;
        foreach (var (name, versions) in new[] { ("productpage", 1), ("details", 1), ("ratings", 1), ("reviews", 3) })
        {
            var key = ServiceKey.Parse(name, "default");
            result[key] = Enumerable.Range(1, versions)
                .Select(v => new ServiceInstance(key, $"{name}-v{v}", "127.0.0.1", port++, new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = name, ["version"] = $"v{v}" }))
                .ToArray();
        }

        return result;
    }

    /// <summary>What one input did: accepted, or refused with how many errors; and what it cost.</summary>
    public readonly record struct Outcome(bool Accepted, int Errors, long AllocatedBytes, TimeSpan Elapsed);

    /// <summary>
    /// Parses, validates and compiles <paramref name="text"/> as a service's snapshot provider does.
    /// Anything but acceptance or refusal with errors escapes as the exception it was.
    /// </summary>
    public static Outcome Check(string text, IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> instances)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var parsed = MeshDocumentParser.Parse(text, "fuzz.yaml");
        var errors = parsed.Errors.Count;
        var accepted = false;
        if (errors == 0)
        {
            var compiler = new MeshSnapshotCompiler(MeshIdentity.Anonymous());
            try
            {
                // The config snapshot, then the runtime over it (route matchers, regexes, policies), as a provider does.
                var snapshot = compiler.Compile(1, parsed.Documents, instances);
                using var transports = new Mesh.Transport.MeshTransportPool(new Mesh.Transport.SocketsTransportFactory());
                using var runtime = new Mesh.Runtime.MeshRuntime(new Mesh.Runtime.MeshRuntimeContext(snapshot.Identity, TimeProvider.System, SharedMeshRandom.Instance, transports));
                _ = runtime.Apply(snapshot);
                accepted = true;
            }
            catch (MeshConfigException ex)
            {
                errors = Math.Max(1, ex.Errors.Count);
            }
        }

        return new Outcome(accepted, errors, GC.GetAllocatedBytesForCurrentThread() - before, clock.Elapsed);
    }
}
