namespace Mesh.Configuration;

/// <summary>Istio's <c>PolicyTargetReference</c>: a resource a policy attaches to instead of a selector.</summary>
internal sealed record PolicyTargetReference
{
    /// <summary>Gets the API group of the target; empty for Kubernetes' core group (a Service).</summary>
    public string Group { get; init; } = "";

    /// <summary>Gets the kind of the target, such as <c>Service</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Gets the name of the target.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets the namespace of the target; Istio refuses it (no cross-namespace references).</summary>
    public string? Namespace { get; init; }
}
