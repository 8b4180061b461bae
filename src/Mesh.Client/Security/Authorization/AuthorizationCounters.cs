namespace Mesh.Security.Authorization;

/// <summary>
/// Counts inbound authorization decisions since the process started (Envoy's <c>rbac.allowed</c>,
/// <c>rbac.denied</c> and <c>rbac.shadow_*</c> stats play this part); read by telemetry. Thread-safe, lock-free.
/// </summary>
internal sealed class AuthorizationCounters
{
    private long _allowed;
    private long _denied;
    private long _audited;

    /// <summary>Gets the requests evaluated against at least one policy and allowed.</summary>
    public long Allowed => Interlocked.Read(ref _allowed);

    /// <summary>Gets the requests denied.</summary>
    public long Denied => Interlocked.Read(ref _denied);

    /// <summary>Gets the requests an AUDIT policy matched.</summary>
    public long Audited => Interlocked.Read(ref _audited);

    /// <summary>Counts one decision.</summary>
    public void Count(in AuthorizationDecision decision)
    {
        Interlocked.Increment(ref decision.Allowed ? ref _allowed : ref _denied);
        if (decision.AuditPolicy is not null)
        {
            Interlocked.Increment(ref _audited);
        }
    }
}
