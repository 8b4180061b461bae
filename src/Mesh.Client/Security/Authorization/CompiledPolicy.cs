namespace Mesh.Security.Authorization;

/// <summary>One policy, compiled: it matches when any of its rules does; with no rules it matches nothing.</summary>
internal sealed class CompiledPolicy(string name, CompiledRule[] rules)
{
    /// <summary>Gets the policy's <c>namespace/name</c>.</summary>
    public string Name { get; } = name;

    public bool Matches(in AuthorizationRequest request)
    {
        foreach (var rule in rules)
        {
            if (rule.Matches(request))
            {
                return true;
            }
        }

        return false;
    }
}
