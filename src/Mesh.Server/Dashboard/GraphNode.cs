namespace Mesh.Server.Dashboard;

/// <summary>
/// A node of the service graph: a <c>service</c> (its name), a <c>workload</c> (a service's version: app and version),
/// or <c>unknown</c> (callers the reports do not name). <paramref name="Instances"/> counts the registry's instances of a
/// workload, <paramref name="Healthy"/> those it reports healthy, <paramref name="Failing"/> those whose last scrape failed.
/// </summary>
internal sealed record GraphNode(string Id, string Kind, string Service, string? Version, int Instances, int Healthy, int Failing);
