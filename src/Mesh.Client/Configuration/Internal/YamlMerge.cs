using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Configuration.Internal;

/// <summary>
/// Applies YAML merge keys (<c>&lt;&lt;: *defaults</c>, <c>&lt;&lt;: [*a, *b]</c>) as Kubernetes reads them
/// (go-yaml): the merged mapping's fields are added where the mapping does not set them itself, the
/// first of several merged mappings winning. Runs after <see cref="YamlBudget"/>, so the tree is finite,
/// acyclic and at most 64 deep.
/// </summary>
internal static class YamlMerge
{
    public static void Apply(YamlNode root) => Apply(root, new HashSet<YamlNode>(ReferenceEqualityComparer.Instance));

    private static void Apply(YamlNode node, HashSet<YamlNode> done)
    {
        if (!done.Add(node))
        {
            return; // an alias to a node already merged
        }

        switch (node)
        {
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Apply(child, done);
                }

                break;
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    Apply(key, done);
                    Apply(value, done);
                }

                Merge(mapping);
                break;
        }
    }

    private static void Merge(YamlMappingNode mapping)
    {
        if (!mapping.Children.Keys.Any(IsMergeKey))
        {
            return;
        }

        var own = mapping.Children.Where(c => !IsMergeKey(c.Key) || !IsMergeable(c.Value)).ToList();
        var sources = mapping.Children.Where(c => IsMergeKey(c.Key) && IsMergeable(c.Value))
            .SelectMany(c => c.Value is YamlSequenceNode list ? list.Children.Cast<YamlMappingNode>() : [(YamlMappingNode)c.Value]);
        var names = own.Select(c => Name(c.Key)).ToHashSet(StringComparer.Ordinal);
        var merged = new List<KeyValuePair<YamlNode, YamlNode>>(own);
        foreach (var source in sources)
        {
            foreach (var pair in source.Children)
            {
                if (names.Add(Name(pair.Key)))
                {
                    merged.Add(pair);
                }
            }
        }

        mapping.Children.Clear();
        foreach (var (key, value) in merged)
        {
            // A key node may be shared (an alias); the mapping's dictionary compares keys by value.
            mapping.Children[key] = value;
        }
    }

    private static bool IsMergeKey(YamlNode key) => key is YamlScalarNode { Value: "<<", Style: ScalarStyle.Plain or ScalarStyle.Any };

    /// <summary>A merge takes a mapping or a sequence of mappings; anything else is left for the reader to refuse.</summary>
    private static bool IsMergeable(YamlNode value) =>
        value is YamlMappingNode || (value is YamlSequenceNode list && list.Children.All(c => c is YamlMappingNode));

    private static string Name(YamlNode key) => key is YamlScalarNode scalar ? scalar.Value ?? "" : "";
}
