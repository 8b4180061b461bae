using Mesh.Server.Xds;

namespace Mesh.Server.Admin;

/// <summary><c>/admin/config</c>: the state served, what the compiler noted, and what xDS could not carry.</summary>
/// <param name="Generation">The state's number (1 for the first, one more per applied update).</param>
/// <param name="Documents">The documents in force, by kind, namespace/name and source.</param>
/// <param name="Instances">The instance count per service FQDN.</param>
/// <param name="ColdServices">Services whose instances are not loaded yet.</param>
/// <param name="Notes">The compiler's notes (a VirtualService bound to gateways only, ...).</param>
/// <param name="Unsupported">Features left out of the xDS resources because gRPC clients would ignore or reject them.</param>
/// <param name="RejectedUpdates">Updates refused since start.</param>
/// <param name="LastRejection">The last refused update, or null when the last update applied.</param>
internal sealed record ConfigReport(
    long Generation,
    IReadOnlyList<string> Documents,
    IReadOnlyDictionary<string, int> Instances,
    IReadOnlyList<string> ColdServices,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Unsupported,
    long RejectedUpdates,
    StateRejection? LastRejection);
