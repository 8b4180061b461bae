using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Snapshot;

/// <summary>
/// Picks the AuthorizationPolicies that apply to this workload, as Istio scopes them: a policy in the root
/// namespace (<see cref="RootNamespace"/>) applies mesh-wide, one in the workload's namespace applies to it; a
/// <c>selector</c> narrows either to workloads whose labels include every <c>matchLabels</c> pair, a
/// <c>targetRefs</c> entry to the Service of that name. Policies of other namespaces do not apply.
/// </summary>
internal static class AuthorizationScope
{
    /// <summary>Istio's default <c>meshConfig.rootNamespace</c>: a policy there applies to every workload of the mesh.</summary>
    public const string RootNamespace = "istio-system";

    /// <summary>Returns the policies that apply to <paramref name="identity"/>, ordered by namespace then name.</summary>
    public static ValueList<AuthorizationPolicy> Select(IEnumerable<MeshDocument> documents, MeshIdentity identity)
    {
        var selected = documents.OfType<AuthorizationPolicy>()
            .Where(p => AppliesTo(p, identity))
            .OrderBy(p => p.Metadata.Namespace ?? identity.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
        return new ValueList<AuthorizationPolicy>([.. selected]);
    }

    /// <summary>Whether <paramref name="policy"/> applies to the workload <paramref name="identity"/>.</summary>
    public static bool AppliesTo(AuthorizationPolicy policy, MeshIdentity identity)
    {
        var ns = policy.Metadata.Namespace ?? identity.Namespace;
        if (ns != RootNamespace && ns != identity.Namespace)
        {
            return false;
        }

        var spec = policy.Spec;
        if (spec.TargetRef is not null || spec.TargetRefs.Count > 0)
        {
            // A reference names a resource of the policy's own namespace.
            return ns == identity.Namespace && spec.AllTargetRefs.Any(t => t.Target.Kind == "Service" && t.Target.Name == identity.Service);
        }

        return spec.Selector is null || spec.Selector.MatchLabels.All(l => identity.WorkloadLabel(l.Key) == l.Value);
    }
}
