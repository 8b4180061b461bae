using System.Text.Json.Serialization;

namespace Mesh.Registry.Consul;

// The subset of Consul's HTTP API payloads Mesh uses, with Consul's own field names.
#pragma warning disable SA1402, CA1812

internal sealed record AgentServiceRegistration
{
    public required string ID { get; init; }

    public required string Name { get; init; }

    public string? Address { get; init; }

    public int Port { get; init; }

    public Dictionary<string, string>? Meta { get; init; }

    public string[]? Tags { get; init; }

    public AgentServiceCheck? Check { get; init; }
}

internal sealed record AgentServiceCheck
{
    public string? HTTP { get; init; }

    public string? Interval { get; init; }

    public string? Timeout { get; init; }

    public string? DeregisterCriticalServiceAfter { get; init; }

    public string? TTL { get; init; }

    public string? Status { get; init; }
}

internal sealed record AgentService
{
    public string ID { get; init; } = "";

    public string Service { get; init; } = "";

    public string Address { get; init; } = "";

    public int Port { get; init; }

    public Dictionary<string, string>? Meta { get; init; }
}

internal sealed record ServiceEntry
{
    public ConsulNode Node { get; init; } = new();

    public AgentService Service { get; init; } = new();

    public HealthCheck[] Checks { get; init; } = [];
}

internal sealed record ConsulNode
{
    public string Node { get; init; } = "";

    public string Address { get; init; } = "";

    public string Datacenter { get; init; } = "";
}

internal sealed record HealthCheck
{
    public string CheckID { get; init; } = "";

    public string Status { get; init; } = "";

    public string Output { get; init; } = "";
}

internal sealed record AgentSelf
{
    public AgentSelfConfig Config { get; init; } = new();
}

internal sealed record AgentSelfConfig
{
    public string NodeName { get; init; } = "";
}

internal sealed record KVPair
{
    public string Key { get; init; } = "";

    public string? Value { get; init; }

    public ulong ModifyIndex { get; init; }

    public ulong CreateIndex { get; init; }

    public ulong Flags { get; init; }
}

internal sealed record ConnectRoots
{
    public string ActiveRootID { get; init; } = "";

    public string TrustDomain { get; init; } = "";

    public ConnectRoot[]? Roots { get; init; }
}

internal sealed record ConnectRoot
{
    public string ID { get; init; } = "";

    public string Name { get; init; } = "";

    public string RootCert { get; init; } = "";

    public string[]? IntermediateCerts { get; init; }

    public bool Active { get; init; }
}

internal sealed record ConnectLeaf
{
    public string SerialNumber { get; init; } = "";

    public string CertPEM { get; init; } = "";

    public string PrivateKeyPEM { get; init; } = "";

    public string Service { get; init; } = "";

    public string ServiceURI { get; init; } = "";

    public DateTimeOffset ValidAfter { get; init; }

    public DateTimeOffset ValidBefore { get; init; }

    public ulong ModifyIndex { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentServiceRegistration))]
[JsonSerializable(typeof(AgentService))]
[JsonSerializable(typeof(AgentSelf))]
[JsonSerializable(typeof(ServiceEntry[]))]
[JsonSerializable(typeof(KVPair[]))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
[JsonSerializable(typeof(ConnectRoots))]
[JsonSerializable(typeof(ConnectLeaf))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
internal sealed partial class ConsulJsonContext : JsonSerializerContext;
