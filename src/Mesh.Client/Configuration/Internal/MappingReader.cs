using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Mesh.Configuration.Internal;

/// <summary>
/// Reads the fields of one YAML/JSON object by name, remembering which were read, so that every
/// field nobody asked for is reported as unknown rather than silently ignored.
/// </summary>
internal sealed class MappingReader
{
    private readonly ParseContext _context;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public MappingReader(ParseContext context, YamlMappingNode node, string path)
    {
        _context = context;
        Node = node;
        Path = path;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value: var name })
            {
                context.Error(path, key, "a field name must be a string, not a mapping or a sequence");
                continue;
            }

            name ??= "";
            if (!_fields.TryAdd(name, (key, value)))
            {
                context.Error(Join(name), key, $"field '{name}' appears twice; keep one");
            }
        }
    }

    public YamlMappingNode Node { get; }

    public string Path { get; }

    public string Join(string field) => Path.Length == 0 ? field : $"{Path}.{field}";

    public ParseContext Context => _context;

    public bool Has(string field) => _fields.TryGetValue(field, out var f) && !ParseContext.IsNull(f.Value);

    public YamlNode? Raw(string field)
    {
        _consumed.Add(field);
        return _fields.TryGetValue(field, out var f) && !ParseContext.IsNull(f.Value) ? f.Value : null;
    }

    public string? String(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        _context.Error(Join(field), node, "must be a string");
        return null;
    }

    public string RequiredString(string field)
    {
        var value = String(field);
        if (string.IsNullOrEmpty(value) && !_fields.ContainsKey(field))
        {
            _context.Error(Join(field), "is required");
        }

        return value ?? "";
    }

    public int? Int(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar && int.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _context.Error(Join(field), node, node is YamlScalarNode { Value: [_, ..] text } && text.TrimStart('-', '+').Length > 0 && text.TrimStart('-', '+').All(char.IsAsciiDigit)
            ? $"{Describe(node)} is out of range; use {int.MinValue} to {int.MaxValue}"
            : $"must be an integer, not '{Describe(node)}'");
        return null;
    }

    public long? Long(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar && long.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _context.Error(Join(field), node, $"must be an integer, not '{Describe(node)}'");
        return null;
    }

    public double? Double(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        // NaN and infinities parse as doubles but are no number a config means.
        if (node is YamlScalarNode scalar && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        _context.Error(Join(field), node, $"must be a number, not '{Describe(node)}'");
        return null;
    }

    public bool? Bool(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar && bool.TryParse(scalar.Value, out var value))
        {
            return value;
        }

        _context.Error(Join(field), node, $"must be true or false, not '{Describe(node)}'");
        return null;
    }

    /// <summary>Reads a protobuf Duration as Istio writes it: <c>1.5s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>.</summary>
    public TimeSpan? Duration(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar && DurationParser.TryParseNanoseconds(scalar.Value, out var nanoseconds))
        {
            // Istio takes durations to the millisecond; a finer one would round to 0 (no timeout) or change silently.
            if (nanoseconds % 1_000_000 != 0)
            {
                _context.Error(Join(field), node, $"'{Describe(node)}' is not a whole number of milliseconds; Istio and Mesh take durations to the millisecond, such as '1ms'");
                return null;
            }

            var milliseconds = nanoseconds / 1_000_000;
            if (milliseconds > (decimal)DocumentLimits.MaxDuration.TotalMilliseconds)
            {
                _context.Error(Join(field), node, $"'{Describe(node)}' is longer than Mesh's limit of {DocumentLimits.MaxDuration.TotalHours.ToString(CultureInfo.InvariantCulture)}h (.NET timers take at most 2^31-1 ms)");
                return null;
            }

            return TimeSpan.FromMilliseconds((long)milliseconds);
        }

        _context.Error(Join(field), node, $"must be a duration such as '1.5s' or '500ms', not '{Describe(node)}'");
        return null;
    }

    /// <summary>Reads an Istio Percent (<c>value: 10.5</c>).</summary>
    public double? Percent(string field)
    {
        var reader = _context.Mapping(Raw(field), Join(field));
        if (reader is null)
        {
            return null;
        }

        var value = reader.Double("value");
        reader.Done();
        if (value is < 0 or > 100)
        {
            _context.Error(Join(field) + ".value", $"must be between 0 and 100, not {value.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        return value ?? 0;
    }

    public IReadOnlyList<string> StringList(string field)
    {
        var node = Raw(field);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _context.Error(Join(field), node, "must be a list of strings");
            return [];
        }

        var result = new List<string>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlScalarNode { Value: { } value })
            {
                result.Add(value);
            }
            else
            {
                _context.Error($"{Join(field)}[{i}]", sequence.Children[i], "must be a string");
            }
        }

        return new ValueList<string>([.. result]);
    }

    public IReadOnlyDictionary<string, string> StringMap(string field)
    {
        var reader = _context.Mapping(Raw(field), Join(field));
        if (reader is null)
        {
            return ObjectMetadata.EmptyMap;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in reader._fields)
        {
            if (ParseContext.IsNull(value.Value))
            {
                result[key] = ""; // as Kubernetes reads a null in a map of strings
            }
            else if (value.Value is YamlScalarNode { Value: { } text })
            {
                result[key] = text;
            }
            else
            {
                _context.Error(reader.Join(key), value.Value, "must be a string");
            }
        }

        return new ValueMap<string>(result);
    }

    public IReadOnlyDictionary<string, T> Map<T>(string field, Func<MappingReader, T> read, StringComparer? comparer = null)
        where T : class
    {
        var reader = _context.Mapping(Raw(field), Join(field));
        if (reader is null)
        {
            return ValueMap<T>.Empty;
        }

        var result = new Dictionary<string, T>(comparer ?? StringComparer.Ordinal);
        foreach (var (key, value) in reader._fields)
        {
            var path = reader.Join(key);
            if (ParseContext.IsNull(value.Value))
            {
                result[key] = read(new MappingReader(_context, new YamlMappingNode(), path));
                continue;
            }

            var item = _context.Mapping(value.Value, path);
            if (item is not null)
            {
                result[key] = read(item);
                item.Done();
            }
        }

        return new ValueMap<T>(result);
    }

    public T? Object<T>(string field, Func<MappingReader, T> read)
        where T : class
    {
        var reader = _context.Mapping(Raw(field), Join(field));
        if (reader is null)
        {
            return null;
        }

        var result = read(reader);
        reader.Done();
        return result;
    }

    public IReadOnlyList<T> List<T>(string field, Func<MappingReader, T> read)
    {
        var node = Raw(field);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _context.Error(Join(field), node, "must be a list");
            return [];
        }

        var result = new List<T>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = _context.Mapping(sequence.Children[i], $"{Join(field)}[{i}]");
            if (item is not null)
            {
                result.Add(read(item));
                item.Done();
            }
        }

        return new ValueList<T>([.. result]);
    }

    /// <summary>Marks Istio fields that Mesh has no model for as errors, naming each.</summary>
    public void Unsupported(string reason, params string[] fields)
    {
        foreach (var field in fields)
        {
            _consumed.Add(field);
            if (_fields.TryGetValue(field, out var f))
            {
                _context.Error(Join(field), f.Key, $"field '{field}' is not supported by Mesh {reason}; remove it");
            }
        }
    }

    /// <summary>Reports every field that was not read as unknown.</summary>
    public void Done()
    {
        foreach (var (name, field) in _fields)
        {
            if (!_consumed.Contains(name))
            {
                _context.Error(Join(name), field.Key, $"unknown field '{name}'; check the spelling against Istio's API reference");
            }
        }
    }

    /// <summary>The value as an error quotes it: a long one is cut, so that one bad field cannot make a huge message.</summary>
    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode { Value.Length: > 100 } s => $"{s.Value[..100]}... ({s.Value.Length} characters)",
        YamlScalarNode s => s.Value ?? "",
        _ => node.NodeType.ToString().ToLowerInvariant(),
    };
}
