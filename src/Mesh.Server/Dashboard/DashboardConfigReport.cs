using Mesh.Server.Xds;

namespace Mesh.Server.Dashboard;

/// <summary><c>/api/config</c>: the state served (generation and fingerprint), every document, the updates refused and the last refusal with its errors, and the connected xDS clients.</summary>
internal sealed record DashboardConfigReport(
    long Generation,
    string ConfigHash,
    IReadOnlyList<DocumentReport> Documents,
    long RejectedUpdates,
    StateRejection? LastRejection,
    IReadOnlyList<XdsClientStatus> XdsClients);
