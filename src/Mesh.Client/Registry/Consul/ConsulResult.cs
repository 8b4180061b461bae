namespace Mesh.Registry.Consul;

/// <summary>The answer to a (blocking) read: the value, whether it was found, and Consul's index.</summary>
internal readonly record struct ConsulResult<T>(T Value, bool Found, ulong Index);
