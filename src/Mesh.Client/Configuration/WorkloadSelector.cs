namespace Mesh.Configuration;

/// <summary>Istio's <c>WorkloadSelector</c>: the labels a workload must carry for a policy to apply to it.</summary>
internal sealed record WorkloadSelector
{
    /// <summary>Gets the labels; a workload is selected when it carries every one with the same value.</summary>
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = ObjectMetadata.EmptyMap;
}
