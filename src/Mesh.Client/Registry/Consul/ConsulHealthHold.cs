namespace Mesh.Registry.Consul;

/// <summary>
/// Keeps a registry artefact from replacing a working endpoint set with an empty one. When an answer
/// would take a service from some instances to no passing instance, and no check has given a verdict
/// (every failing check of every instance it lists has never run, as after an agent restarts and
/// restores its services, or it lists none at all, as after an agent that lost its data syncs, or
/// the only other failing check is the servers' serfHealth for the very agent that just answered), the
/// instances in force are held for a bounded grace period. Any passing instance, a check that ran
/// and failed, or maintenance mode applies at once; so does the empty set when the grace runs out.
/// Consul's own anti-entropy and Envoy's panic threshold are the models: trust the last good view
/// over a view that no health check has confirmed.
/// </summary>
internal sealed class ConsulHealthHold(TimeSpan grace)
{
    private const string Passing = "passing";
    private const string SerfHealth = "serfHealth";
    private DateTimeOffset? _since;

    /// <summary>Gets when the current hold began, or null when nothing is held.</summary>
    public DateTimeOffset? Since => _since;

    /// <summary>Whether an entry passes as Consul's <c>?passing</c> filter means it: every check passing.</summary>
    public static bool IsPassing(ServiceEntry entry) => entry.Checks.All(c => c.Status == Passing);

    /// <summary>
    /// Whether no failing check of the entry is a verdict: Consul 1.8.7 starts a check (new, or restored
    /// from the agent's data directory) as critical with an empty Output until its first run; and the
    /// servers' serfHealth of <paramref name="localNode"/> says our own agent is dead while it answers
    /// us (it has just restarted and the servers have not seen it rejoin yet). Maintenance mode is a
    /// check with an empty Output too, but a deliberate verdict.
    /// </summary>
    public static bool IsUnchecked(ServiceEntry entry, string? localNode) =>
        entry.Checks.Where(c => c.Status != Passing).All(c =>
            (c.CheckID == SerfHealth && localNode is { Length: > 0 } && entry.Node.Node == localNode) ||
            (c.Output.Length == 0 &&
             !c.CheckID.StartsWith("_service_maintenance:", StringComparison.Ordinal) &&
             c.CheckID != "_node_maintenance"));

    /// <summary>Decides an answer: null to apply it, or the time until which the instances in force are held instead.</summary>
    /// <param name="inForce">How many instances are in force now.</param>
    /// <param name="entries">The answer's entries for the service (passing or not).</param>
    /// <param name="now">The time of the answer.</param>
    /// <param name="localNode">The node name of the agent that answered, when known.</param>
    public DateTimeOffset? Evaluate(int inForce, IReadOnlyCollection<ServiceEntry> entries, DateTimeOffset now, string? localNode = null)
    {
        if (grace <= TimeSpan.Zero || inForce == 0 || entries.Any(IsPassing) || !entries.All(e => IsUnchecked(e, localNode)))
        {
            _since = null;
            return null;
        }

        _since ??= now;
        var until = _since.Value + grace;
        return now < until ? until : null;
    }
}
