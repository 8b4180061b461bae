using System.Runtime.CompilerServices;
using Mesh.Http;

namespace Mesh.Routing;

/// <summary>One condition of a match block, compiled; a block holds when all of its conditions do.</summary>
internal readonly struct MatchCondition
{
    private readonly StringMatcher? _matcher;
    private readonly string _name;
    private readonly string? _literal;
    private readonly int _slot;
    private readonly int _port;
    private readonly ValueTest _test;

    private MatchCondition(MatchConditionKind kind, StringMatcher? matcher, string name = "", int slot = RequestView.NoSlot, int port = 0)
    {
        Kind = kind;
        _matcher = matcher;
        _name = name;
        _slot = slot;
        _port = port;

        // Most conditions are a case-sensitive exact or prefix match: test those here, without a call.
        (_test, _literal) = matcher switch
        {
            { OrdinalExact: { } exact } => (ValueTest.Exact, exact),
            { OrdinalPrefix: { } prefix } => (ValueTest.Prefix, prefix),
            _ => (ValueTest.Matcher, null),
        };
    }

    private enum ValueTest : byte
    {
        Matcher,
        Exact,
        Prefix,
    }

    public MatchConditionKind Kind { get; }

    /// <summary>Gets the header's slot, lookup name and value when this is a case-sensitive exact header match.</summary>
    public (int Slot, string Name, string Value)? ExactHeader =>
        Kind == MatchConditionKind.Header && _test == ValueTest.Exact ? (_slot, _name, _literal!) : null;

    /// <summary>
    /// Gets a rough rank of what the condition costs, lowest first: values the request already holds,
    /// then the Host header, other headers, the query string; a regex (one the matcher could not turn
    /// into a string comparison) after all of those. The conditions of a block are ANDed, so their
    /// order does not change the result, only how soon a block that fails stops.
    /// </summary>
    public int Cost
    {
        get
        {
            var cost = Kind switch
            {
                MatchConditionKind.Port => 0,
                MatchConditionKind.Method or MatchConditionKind.Scheme or MatchConditionKind.Uri => 1,
                MatchConditionKind.Authority => 2,
                MatchConditionKind.Header or MatchConditionKind.WithoutHeader => 3,
                _ => 4,
            };
            return _matcher is { UsesRegexEngine: true } ? cost + 10 : cost;
        }
    }

    public static MatchCondition Uri(StringMatcher matcher) => new(MatchConditionKind.Uri, matcher);

    public static MatchCondition Scheme(StringMatcher matcher) => new(MatchConditionKind.Scheme, matcher);

    public static MatchCondition Method(StringMatcher matcher) => new(MatchConditionKind.Method, matcher);

    public static MatchCondition Port(int port) => new(MatchConditionKind.Port, null, port: port);

    public static MatchCondition Authority(StringMatcher matcher) => new(MatchConditionKind.Authority, matcher);

    public static MatchCondition Header(string name, int slot, StringMatcher matcher) => new(MatchConditionKind.Header, matcher, name, slot);

    public static MatchCondition WithoutHeader(string name, int slot, StringMatcher matcher) => new(MatchConditionKind.WithoutHeader, matcher, name, slot);

    public static MatchCondition QueryParam(string name, StringMatcher matcher) => new(MatchConditionKind.QueryParam, matcher, name);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsMatch(ref RequestView request)
    {
        // Headers and the path are most of what route tables test: plain branches, not a jump table.
        if (Kind == MatchConditionKind.Header)
        {
            return request.GetHeader(_name, _slot) is { } value && Test(value);
        }

        if (Kind == MatchConditionKind.Uri)
        {
            return Test(request.Path);
        }

        return IsOtherMatch(ref request);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Test(string value)
    {
        // Ordinal exact and prefix tests reject on the length or the first character without a call.
        var literal = _literal!;
        switch (_test)
        {
            case ValueTest.Exact:
                return value.Length == literal.Length && (literal.Length == 0 || (value[0] == literal[0] && value.AsSpan(1).SequenceEqual(literal.AsSpan(1))));
            case ValueTest.Prefix:
                return value.Length >= literal.Length && (literal.Length == 0 || (value[0] == literal[0] && value.AsSpan(1, literal.Length - 1).SequenceEqual(literal.AsSpan(1))));
            default:
                return _matcher!.IsMatch(value);
        }
    }

    private bool IsOtherMatch(ref RequestView request)
    {
        switch (Kind)
        {
            case MatchConditionKind.Method:
                return Test(request.Request.Method.Method);
            case MatchConditionKind.Port:
                return request.Uri.Port == _port;
            case MatchConditionKind.Scheme:
                return Test(request.Uri.Scheme);
            case MatchConditionKind.Authority:
                return Test(request.Authority);
            case MatchConditionKind.WithoutHeader:
                return !(request.GetHeader(_name, _slot) is { } unwanted && Test(unwanted));
            default:
                return IsQueryParamMatch(request.Uri);
        }
    }

    private bool IsQueryParamMatch(Uri uri)
    {
        if (!RequestValues.TryGetQueryParameter(uri, _name, out var raw))
        {
            return false;
        }

        var value = raw.ContainsAny('%', '+') ? System.Uri.UnescapeDataString(raw.ToString().Replace('+', ' ')) : raw;
        return _matcher!.IsMatch(value);
    }
}
