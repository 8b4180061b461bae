using YamlDotNet.RepresentationModel;

namespace Mesh.Configuration.Internal;

/// <summary>Collects the errors of one document while it is read, each with the field path.</summary>
internal sealed class ParseContext(List<ConfigError> errors)
{
    public string Document { get; set; } = "document";

    public int ErrorCount => errors.Count;

    public void Error(string path, string message) => errors.Add(new ConfigError(Document, path, message));

    public void Error(string path, YamlNode node, string message) =>
        errors.Add(new ConfigError(Document, path, $"{message} (line {node.Start.Line})"));

    /// <summary>Opens a mapping node for reading; reports an error and returns null if the node is not a mapping.</summary>
    public MappingReader? Mapping(YamlNode? node, string path)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "must be an object");
            return null;
        }

        return new MappingReader(this, mapping, path);
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };
}
