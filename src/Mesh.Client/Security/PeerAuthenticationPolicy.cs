using Mesh.Configuration;

namespace Mesh.Security;

/// <summary>
/// The PeerAuthentication in force for one workload, resolved as Istio does: the workload's selector policy over its
/// namespace's policy over the mesh-wide one (root namespace, no selector); UNSET inherits the next; PERMISSIVE when
/// nothing sets a mode. <c>portLevelMtls</c> of the selector policy overrides per workload port (UNSET there inherits the
/// workload's mode). Of two policies at one level, the first by name wins (Istio takes the oldest).
/// </summary>
/// <param name="Mode">The workload's mode: STRICT, PERMISSIVE or DISABLE.</param>
/// <param name="Ports">Modes per port that differ from <paramref name="Mode"/>.</param>
/// <param name="Source">The policies that decided, for logs and describe.</param>
internal sealed record PeerAuthenticationPolicy(string Mode, IReadOnlyDictionary<int, string> Ports, string Source)
{
    /// <summary>No PeerAuthentication at all: PERMISSIVE, Istio's default.</summary>
    public static readonly PeerAuthenticationPolicy Default = new(PeerAuthenticationModes.Permissive, new Dictionary<int, string>(), "default");

    /// <summary>Gets the mode for connections to <paramref name="port"/>.</summary>
    public string ModeFor(int port) => Ports.TryGetValue(port, out var mode) ? mode : Mode;

    /// <summary>
    /// Resolves the policy in force for a workload as Istio does: the workload's selector policy over its namespace's over
    /// the mesh-wide one (root namespace), UNSET inheriting; <c>app</c> in a selector matches the service name when the
    /// workload has no <c>app</c> label (<paramref name="service"/>).
    /// </summary>
    public static PeerAuthenticationPolicy Resolve(IEnumerable<MeshDocument> documents, string rootNamespace, string workloadNamespace, IReadOnlyDictionary<string, string> labels, string service = "")
    {
        var policies = documents.OfType<PeerAuthentication>().ToList();
        if (policies.Count == 0)
        {
            return Default;
        }

        string Ns(PeerAuthentication p) => p.Metadata.Namespace ?? workloadNamespace;
        static bool HasSelector(PeerAuthentication p) => p.Spec.Selector is { Count: > 0 };
        var mesh = policies.Where(p => Ns(p) == rootNamespace && !HasSelector(p)).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        var ns = workloadNamespace == rootNamespace ? null
            : policies.Where(p => Ns(p) == workloadNamespace && !HasSelector(p)).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        var workload = policies
            .Where(p => Ns(p) == workloadNamespace && HasSelector(p) && p.Spec.Selector!.All(l => Snapshot.MeshIdentity.WorkloadLabel(labels, service, l.Key) == l.Value))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();

        var mode = PeerAuthenticationModes.Permissive;
        var decided = new List<string>();
        foreach (var policy in (PeerAuthentication?[])[mesh, ns, workload])
        {
            if (policy is null)
            {
                continue;
            }

            decided.Add($"{Ns(policy)}/{policy.Metadata.Name}");
            if (policy.Spec.Mode is { } m && m != PeerAuthenticationModes.Unset)
            {
                mode = m;
            }
        }

        var ports = new Dictionary<int, string>();
        foreach (var (port, portMode) in workload?.Spec.PortLevelMtls ?? [])
        {
            if (portMode != PeerAuthenticationModes.Unset && portMode != mode)
            {
                ports[port] = portMode;
            }
        }

        return new PeerAuthenticationPolicy(mode, ports, decided.Count == 0 ? "default" : string.Join(" < ", decided));
    }

    public override string ToString() => Ports.Count == 0 ? $"{Mode} ({Source})" : $"{Mode}, ports {string.Join(", ", Ports.Select(p => $"{p.Key}: {p.Value}"))} ({Source})";
}
