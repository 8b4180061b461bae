using Mesh.Configuration;

namespace Mesh.Registry;

/// <summary>One instance of a mesh service as a registry reports it.</summary>
internal sealed record ServiceInstance(ServiceKey Service, string Id, string Address, int Port, IReadOnlyDictionary<string, string> Labels, bool Healthy = true);
