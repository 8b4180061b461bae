using Mesh.Testing;

namespace Mesh.Integration.Tests;

/// <summary>One Consul agent per test class (a test collection), started before its first test.</summary>
public sealed class ConsulFixture : IAsyncLifetime
{
    public ConsulAgent Agent { get; } = new();

    public ValueTask InitializeAsync() => new(Agent.StartAsync());

    public async ValueTask DisposeAsync() => await Agent.DisposeAsync();
}
