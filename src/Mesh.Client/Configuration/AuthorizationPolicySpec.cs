namespace Mesh.Configuration;

/// <summary>The spec of an AuthorizationPolicy (Istio's <c>security.v1beta1.AuthorizationPolicy</c>).</summary>
internal sealed record AuthorizationPolicySpec
{
    /// <summary>Gets the workload selector; null when the policy has none (it then applies to its whole namespace, or the mesh from the root namespace).</summary>
    public WorkloadSelector? Selector { get; init; }

    /// <summary>Gets the one resource the policy attaches to (<c>targetRef</c>, deprecated for <see cref="TargetRefs"/>); null when not set.</summary>
    public PolicyTargetReference? TargetRef { get; init; }

    /// <summary>Gets the resources the policy attaches to (<c>targetRefs</c>).</summary>
    public IReadOnlyList<PolicyTargetReference> TargetRefs { get; init; } = [];

    /// <summary>Gets <see cref="TargetRef"/> and <see cref="TargetRefs"/> together, each with its field path.</summary>
    public IEnumerable<(PolicyTargetReference Target, string Path)> AllTargetRefs =>
        (TargetRef is null ? Enumerable.Empty<(PolicyTargetReference, string)>() : [(TargetRef, "spec.targetRef")]).Concat(TargetRefs.Select((t, i) => (t, $"spec.targetRefs[{i}]")));

    /// <summary>Gets the action as written: <c>ALLOW</c> (the default), <c>DENY</c>, <c>AUDIT</c> or <c>CUSTOM</c>.</summary>
    public string Action { get; init; } = AuthorizationActions.Allow;

    /// <summary>Gets the rules; a request matches the policy when it matches any rule. Empty: the policy matches nothing.</summary>
    public IReadOnlyList<Rule> Rules { get; init; } = [];

    /// <summary>Gets a value indicating whether a <c>provider</c> was set (CUSTOM only; refused by the validator).</summary>
    public bool HasProvider { get; init; }
}
