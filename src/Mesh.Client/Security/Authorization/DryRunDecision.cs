namespace Mesh.Security.Authorization;

/// <summary>What the workload's policies would decide with its dry-run policies enforced too; logged, never enforced.</summary>
/// <param name="Allowed">Whether the request would be allowed.</param>
/// <param name="Policy">The deciding policy, as in <see cref="AuthorizationDecision.Policy"/>.</param>
internal readonly record struct DryRunDecision(bool Allowed, string? Policy);
