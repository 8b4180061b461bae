namespace Mesh.Routing;

/// <summary>What a <see cref="MatchCondition"/> tests.</summary>
internal enum MatchConditionKind
{
    Uri,
    Scheme,
    Method,
    Port,
    Authority,
    Header,
    WithoutHeader,
    QueryParam,
}
