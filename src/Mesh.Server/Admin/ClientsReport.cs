using Mesh.Server.Xds;

namespace Mesh.Server.Admin;

/// <summary><c>/admin/clients</c>: every open ADS stream, and the NACKs received since start.</summary>
internal sealed record ClientsReport(long TotalNacks, IReadOnlyList<XdsClientStatus> Clients);
