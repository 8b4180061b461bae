using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Configuration.Internal;

/// <summary>
/// Walks a YAML text's event stream once, without building any node, and refuses it when it would
/// cost more than <see cref="DocumentLimits"/> allow: too many documents, a document too long, too
/// deep, or with too many nodes once its aliases are expanded ("billion laughs"), an alias to a node
/// that contains it, or a mapping key that is not a scalar. It wraps YamlDotNet's parser, which
/// keeps its own stack, and stops at the first event past a limit: YamlStream, which recurses once
/// per level while it builds nodes, consumes the events through it, so it never goes deeper than the
/// limit nor sees an alias that would make a cycle; one pass, not a scan and then a parse.
/// </summary>
internal sealed class YamlBudget(IParser inner) : IParser
{
    private readonly Dictionary<string, (long Nodes, int Height, bool IsScalar)> _anchors = new(StringComparer.Ordinal);
    private readonly List<Frame> _stack = [];
    private long _documentNodes;
    private long _itemStart;
    private bool _documentIsList;
    private long _fileNodes;
    private int _documents;
    private long _documentStart;

    /// <inheritdoc />
    public ParsingEvent? Current => inner.Current;

    /// <summary>Returns null when the text is within the limits, else what is wrong and the line where it was found.</summary>
    /// <exception cref="YamlException">The text is not YAML.</exception>
    public static (string Message, int Line)? Check(string text)
    {
        var budget = new YamlBudget(new Parser(new StringReader(text)));
        try
        {
            while (budget.MoveNext())
            {
            }
        }
        catch (YamlBudgetException ex)
        {
            return (ex.Message, ex.Line);
        }

        return null;
    }

    /// <inheritdoc />
    /// <exception cref="YamlBudgetException">The event takes the text past a limit; nothing after it is read.</exception>
    public bool MoveNext()
    {
        if (!inner.MoveNext())
        {
            return false;
        }

        return Inspect(inner.Current!) is { } refused ? throw new YamlBudgetException(refused.Item1, refused.Item2) : true;
    }

    /// <summary>Gets the line where the last event read ends: where reading stopped when the parser fails without saying where.</summary>
    public int LastLine { get; private set; } = 1;

    private (string, int)? Inspect(ParsingEvent current)
    {
        var line = (int)current.Start.Line;
        LastLine = Math.Max(LastLine, (int)current.End.Line);

        // Each item of a root 'items:' list (kubectl's kind: List) is a document of its own for the limits.
        if (current is NodeEvent && _stack.Count > 0 && _stack[^1].IsDocumentList)
        {
            _documentNodes = 0;
            _itemStart = current.Start.Index;
        }
        switch (current)
        {
            case DocumentStart:
                if (++_documents > DocumentLimits.MaxDocuments)
                {
                    return ($"the file has more than {DocumentLimits.MaxDocuments} documents (limit: documents per file); split it into several files", line);
                }

                _documentStart = current.Start.Index;
                _documentNodes = 0;
                _documentIsList = false;
                _anchors.Clear(); // anchors do not reach across documents
                break;
            case DocumentEnd:
                if (!_documentIsList && current.End.Index - _documentStart > DocumentLimits.MaxDocumentChars)
                {
                    return ($"the document is {current.End.Index - _documentStart} characters; Mesh reads documents of at most {DocumentLimits.MaxDocumentChars} characters (limit: document size)", line);
                }

                break;
            case AnchorAlias alias:
                {
                    var name = alias.Value.Value;
                    if (!_anchors.TryGetValue(name, out var target))
                    {
                        return _stack.Any(f => f.Anchor == name)
                            ? ($"alias '*{name}' refers to a node that contains it, which never ends (limit: no recursive aliases)", line)
                            : ($"alias '*{name}' refers to no anchor '&{name}' before it", line);
                    }

                    if (Child(_stack, target.IsScalar, line) is { } keyError)
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
                if (Child(_stack, isScalar: true, line) is { } scalarKeyError)
                {
                    return scalarKeyError;
                }

                if (_stack.Count == 1 && _stack[0].IsMapping && _stack[0].Children % 2 == 1)
                {
                    _stack[0].LastKey = scalar.Value; // a key of the root mapping
                }

                if (Add(1, 1, line) is { } scalarError)
                {
                    return scalarError;
                }

                if (!scalar.Anchor.IsEmpty)
                {
                    _anchors[scalar.Anchor.Value] = (1, 1, true);
                }

                break;
            case NodeEvent start when start is MappingStart or SequenceStart:
                if (Child(_stack, isScalar: false, line) is { } startKeyError)
                {
                    return startKeyError;
                }

                if (_stack.Count + 1 > DocumentLimits.MaxDepth)
                {
                    return ($"mappings and sequences nest more than {DocumentLimits.MaxDepth} deep (limit: nesting depth)", line);
                }

                var anchor = start.Anchor.IsEmpty ? null : start.Anchor.Value;
                if (anchor is not null)
                {
                    _anchors.Remove(anchor); // redefined: the new node is not complete yet
                }

                if (Add(1, 0, line) is { } startError)
                {
                    return startError;
                }

                var isDocumentList = start is SequenceStart && _stack.Count == 1 && _stack[0].LastKey == "items";
                _documentIsList |= isDocumentList;
                _stack.Add(new Frame(anchor, start is MappingStart, _fileNodes - 1) { IsDocumentList = isDocumentList });
                break;
            case MappingEnd or SequenceEnd:
                var frame = _stack[^1];
                _stack.RemoveAt(_stack.Count - 1);
                var height = frame.Height + 1;
                if (frame.Anchor is not null)
                {
                    _anchors[frame.Anchor] = (_fileNodes - frame.NodesBefore, height, false);
                }

                if (_stack.Count > 0 && _stack[^1].IsDocumentList && current.End.Index - _itemStart > DocumentLimits.MaxDocumentChars)
                {
                    return ($"the list item is {current.End.Index - _itemStart} characters; Mesh reads documents of at most {DocumentLimits.MaxDocumentChars} characters (limit: document size)", line);
                }

                if (_stack.Count > 0)
                {
                    _stack[^1].Height = Math.Max(_stack[^1].Height, height);
                }

                break;
        }

        return null;
    }

    private (string, int)? Add(long nodes, int height, int line)
    {
        _documentNodes += nodes;
        _fileNodes += nodes;
        if (_stack.Count > 0)
        {
            _stack[^1].Height = Math.Max(_stack[^1].Height, height);
        }

        if (_stack.Count + height > DocumentLimits.MaxDepth)
        {
            return ($"mappings and sequences nest more than {DocumentLimits.MaxDepth} deep once aliases are expanded (limit: nesting depth)", line);
        }

        if (_documentNodes > DocumentLimits.MaxNodesPerDocument)
        {
            return ($"the document has more than {DocumentLimits.MaxNodesPerDocument} nodes once aliases are expanded (limit: nodes per document)", line);
        }

        return _fileNodes > DocumentLimits.MaxNodesPerFile
            ? ($"the file has more than {DocumentLimits.MaxNodesPerFile} nodes once aliases are expanded (limit: nodes per file)", line)
            : null;
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

        public bool IsDocumentList { get; init; }

        public string? LastKey { get; set; }
    }
}

/// <summary>Thrown by <see cref="YamlBudget"/> when a text goes past a limit.</summary>
internal sealed class YamlBudgetException(string message, int line) : Exception(message)
{
    public int Line { get; } = line;
}
