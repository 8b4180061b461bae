using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Mesh.Configuration.Internal;

/// <summary>
/// Converts a document between YAML nodes and JSON, keeping every scalar's text exactly as written
/// (for storing and printing): <c>1.10</c> stays <c>1.10</c>, <c>007</c> stays <c>007</c>. Reading the
/// JSON back gives the parser the same text the YAML gave it.
/// </summary>
internal static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(c.Key is YamlScalarNode key ? key.Value ?? "" : "", ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        // The plain scalars the parser reads as null (ParseContext.IsNull), and only those.
        if (text is "" or "~" or "null")
        {
            return null;
        }

        if (text is "true" or "false")
        {
            return JsonValue.Create(text == "true");
        }

        // A number only when its text is a JSON number, kept as written (1.10 is not 1.1); anything
        // else YAML might call a number (007, 0x1F, +5, .5, 1_000) is kept as the string it was written as.
        return IsJsonNumber(text) ? JsonNode.Parse(text) : JsonValue.Create(text);
    }

    /// <summary>JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    internal static bool IsJsonNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        if (i < text.Length && text[i] == '0')
        {
            i++;
        }
        else if (i < text.Length && text[i] is >= '1' and <= '9')
        {
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }
        else
        {
            return false;
        }

        if (i < text.Length && text[i] == '.')
        {
            var start = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    /// <summary>Writes JSON as block-style YAML, keys in their order, numbers as written.</summary>
    public static string ToYaml(JsonNode? node)
    {
        var serializer = new SerializerBuilder().WithIndentedSequences().WithTypeConverter(new RawNumberConverter()).Build();
        return serializer.Serialize(ToPlain(node));
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => new RawNumber(value.ToJsonString()),
        JsonValue value when value.TryGetValue<string>(out var s) => new RawString(s),
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    private sealed record RawNumber(string Text);

    private sealed record RawString(string Text);

    /// <summary>
    /// Writes a number's JSON text as a plain scalar, unchanged, and a string so that the parser reads
    /// back the same text: plain where YAML allows it, quoted where the plain text would read as null.
    /// </summary>
    private sealed class RawNumberConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(RawNumber) || type == typeof(RawString);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer) => throw new NotSupportedException();

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) => emitter.Emit(value switch
        {
            RawNumber number => new Scalar(AnchorName.Empty, TagName.Empty, number.Text, ScalarStyle.Plain, true, false),
            RawString { Text: "" or "~" or "null" } text => new Scalar(AnchorName.Empty, TagName.Empty, text.Text, ScalarStyle.DoubleQuoted, false, true),
            RawString text => new Scalar(AnchorName.Empty, TagName.Empty, text.Text, ScalarStyle.Any, true, true),
            _ => throw new ArgumentException($"unexpected {value?.GetType()}", nameof(value)),
        });
    }
}
