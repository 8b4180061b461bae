namespace Mesh.Security.Authorization;

/// <summary>The outcome of evaluating a request against the policies of a workload.</summary>
/// <param name="Allowed">Whether the request may proceed.</param>
/// <param name="Policy">The deciding policy (<c>namespace/name</c>): the DENY that matched, or the ALLOW that matched; null when no policy applies, or when ALLOW policies apply and none matched.</param>
/// <param name="AuditPolicy">The first AUDIT policy that matched, or null; it does not change <paramref name="Allowed"/>.</param>
internal readonly record struct AuthorizationDecision(bool Allowed, string? Policy, string? AuditPolicy)
{
    /// <summary>
    /// Gets the decision the workload's policies would make with its dry-run policies (<c>istio.io/dry-run: "true"</c>)
    /// enforced too; null when it has none. It never changes <see cref="Allowed"/>.
    /// </summary>
    public DryRunDecision? DryRun { get; init; }

    /// <summary>Gets a value indicating whether the request was denied because ALLOW policies apply and none matched.</summary>
    public bool DeniedByDefault => !Allowed && Policy is null;
}
