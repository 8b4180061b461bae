namespace Mesh.Server.Dashboard;

/// <summary>A config document in force: kind, namespace, name, where it was read, its version (a fingerprint of its content) and its text as JSON.</summary>
internal sealed record DocumentReport(string Kind, string? Namespace, string Name, string? Source, string Version, string Json);
