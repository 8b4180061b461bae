using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Configuration.Internal;

/// <summary>
/// Walks a YAML text's event stream once, without building any node, and refuses it when it would
/// cost more than <see cref="DocumentLimits"/> allow: too many documents, a document too long, too
/// deep, or with too many nodes once its aliases are expanded ("billion laughs"), an alias to a node
/// that contains it, or a mapping key that is not a scalar. YamlDotNet's parser keeps its own stack,
/// so this walk cannot overflow; building nodes (YamlStream) and reading them recurse, so they run
/// only on texts that pass.
/// </summary>
internal static class YamlBudget
{
    /// <summary>Returns null when the text is within the limits, else what is wrong and the line where it was found.</summary>
    /// <exception cref="YamlException">The text is not YAML.</exception>
    public static (string Message, int Line)? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, (long Nodes, int Height, bool IsScalar)>(StringComparer.Ordinal);
        var stack = new List<Frame>();
        long documentNodes = 0, fileNodes = 0;
        var documents = 0;
        long documentStart = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var line = (int)current.Start.Line;
            switch (current)
            {
                case DocumentStart:
                    if (++documents > DocumentLimits.MaxDocuments)
                    {
                        return ($"the file has more than {DocumentLimits.MaxDocuments} documents (limit: documents per file); split it into several files", line);
                    }

                    documentStart = current.Start.Index;
                    documentNodes = 0;
                    anchors.Clear(); // anchors do not reach across documents
                    break;
                case DocumentEnd:
                    if (current.End.Index - documentStart > DocumentLimits.MaxDocumentChars)
                    {
                        return ($"the document is {current.End.Index - documentStart} characters; Mesh reads documents of at most {DocumentLimits.MaxDocumentChars} characters (limit: document size)", line);
                    }

                    break;
                case AnchorAlias alias:
                {
                    var name = alias.Value.Value;
                    if (!anchors.TryGetValue(name, out var target))
                    {
                        return stack.Any(f => f.Anchor == name)
                            ? ($"alias '*{name}' refers to a node that contains it, which never ends (limit: no recursive aliases)", line)
                            : ($"alias '*{name}' refers to no anchor '&{name}' before it", line);
                    }

                    if (Child(stack, target.IsScalar, line) is { } keyError)
                    {
                        return keyError;
                    }

                    if (Add(target.Nodes, target.Height, line) is { } error)
                    {
                        return error;
                    }

                    break;
                }

                case Scalar scalar:
                    if (Child(stack, isScalar: true, line) is { } scalarKeyError)
                    {
                        return scalarKeyError;
                    }

                    if (Add(1, 1, line) is { } scalarError)
                    {
                        return scalarError;
                    }

                    if (!scalar.Anchor.IsEmpty)
                    {
                        anchors[scalar.Anchor.Value] = (1, 1, true);
                    }

                    break;
                case NodeEvent start when start is MappingStart or SequenceStart:
                    if (Child(stack, isScalar: false, line) is { } startKeyError)
                    {
                        return startKeyError;
                    }

                    if (stack.Count + 1 > DocumentLimits.MaxDepth)
                    {
                        return ($"mappings and sequences nest more than {DocumentLimits.MaxDepth} deep (limit: nesting depth)", line);
                    }

                    var anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                    if (anchor is not null)
                    {
                        anchors.Remove(anchor); // redefined: the new node is not complete yet
                    }

                    if (Add(1, 0, line) is { } startError)
                    {
                        return startError;
                    }

                    stack.Add(new Frame(anchor, start is MappingStart, documentNodes - 1));
                    break;
                case MappingEnd or SequenceEnd:
                    var frame = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    var height = frame.Height + 1;
                    if (frame.Anchor is not null)
                    {
                        anchors[frame.Anchor] = (documentNodes - frame.NodesBefore, height, false);
                    }

                    if (stack.Count > 0)
                    {
                        stack[^1].Height = Math.Max(stack[^1].Height, height);
                    }

                    break;
            }
        }

        return null;

        (string, int)? Add(long nodes, int height, int line)
        {
            documentNodes += nodes;
            fileNodes += nodes;
            if (stack.Count > 0)
            {
                stack[^1].Height = Math.Max(stack[^1].Height, height);
            }

            if (stack.Count + height > DocumentLimits.MaxDepth)
            {
                return ($"mappings and sequences nest more than {DocumentLimits.MaxDepth} deep once aliases are expanded (limit: nesting depth)", line);
            }

            if (documentNodes > DocumentLimits.MaxNodesPerDocument)
            {
                return ($"the document has more than {DocumentLimits.MaxNodesPerDocument} nodes once aliases are expanded (limit: nodes per document)", line);
            }

            return fileNodes > DocumentLimits.MaxNodesPerFile
                ? ($"the file has more than {DocumentLimits.MaxNodesPerFile} nodes once aliases are expanded (limit: nodes per file)", line)
                : null;
        }
    }

    /// <summary>Counts a child of the innermost mapping or sequence; in a mapping every other child is a key, which must be a scalar.</summary>
    private static (string, int)? Child(List<Frame> stack, bool isScalar, int line)
    {
        if (stack.Count == 0)
        {
            return null;
        }

        var frame = stack[^1];
        var isKey = frame.IsMapping && frame.Children % 2 == 0;
        frame.Children++;
        return isKey && !isScalar ? ("a mapping key must be a string, not a mapping or a sequence", line) : null;
    }

    private sealed class Frame(string? anchor, bool isMapping, long nodesBefore)
    {
        public string? Anchor { get; } = anchor;

        public bool IsMapping { get; } = isMapping;

        public long NodesBefore { get; } = nodesBefore;

        public long Children { get; set; }

        public int Height { get; set; }
    }
}
