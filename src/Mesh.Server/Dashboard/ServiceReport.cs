namespace Mesh.Server.Dashboard;

/// <summary>One service on <c>/api/services</c>: its instances, the subsets its DestinationRule defines, the VirtualServices and DestinationRules for it, and the ejections its callers report.</summary>
internal sealed record ServiceReport(
    string Name,
    string Fqdn,
    IReadOnlyList<InstanceReport> Instances,
    IReadOnlyList<string> Subsets,
    IReadOnlyList<DocumentReport> Config,
    IReadOnlyList<EjectionReport> Ejections);
