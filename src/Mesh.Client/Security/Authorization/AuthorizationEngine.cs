using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Security.Authorization;

/// <summary>
/// Gives the request path the evaluator of the config in force: compiled once per change of the workload's
/// policies, on the first request that sees the new snapshot, and reused while they are equal (a snapshot that
/// changed only routes keeps the compiled policies). Lock-free: two requests racing after a change may both
/// compile; either result is the same.
/// </summary>
internal sealed class AuthorizationEngine
{
    private Entry _entry = new(Configuration.Internal.ValueList<AuthorizationPolicy>.Empty, AuthorizationEvaluator.AllowAll);

    /// <summary>Returns the evaluator for <paramref name="snapshot"/>'s policies.</summary>
    public AuthorizationEvaluator For(MeshSnapshot snapshot)
    {
        var entry = Volatile.Read(ref _entry);
        var policies = snapshot.AuthorizationPolicies;
        if (ReferenceEquals(entry.Policies, policies))
        {
            return entry.Evaluator;
        }

        var evaluator = entry.Policies.Equals(policies) ? entry.Evaluator : AuthorizationEvaluator.Compile(policies, snapshot.Identity.Namespace);
        Volatile.Write(ref _entry, new Entry(policies, evaluator));
        return evaluator;
    }

    private sealed record Entry(IReadOnlyList<AuthorizationPolicy> Policies, AuthorizationEvaluator Evaluator);
}
