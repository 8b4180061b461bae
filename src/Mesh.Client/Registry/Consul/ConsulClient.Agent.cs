using System.Net.Http.Json;
namespace Mesh.Registry.Consul;

internal sealed partial class ConsulClient
{
    /// <summary>PUT /v1/agent/service/register, replacing the checks of an earlier registration of the same ID.</summary>
    public Task RegisterServiceAsync(AgentServiceRegistration registration, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Put, Query("v1/agent/service/register", 0, null, ("replace-existing-checks", "true")), JsonContent.Create(registration, ConsulJsonContext.Default.AgentServiceRegistration), cancellationToken);

    /// <summary>PUT /v1/agent/service/deregister/:id.</summary>
    public Task DeregisterServiceAsync(string serviceId, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Put, $"v1/agent/service/deregister/{Uri.EscapeDataString(serviceId)}", null, cancellationToken);

    /// <summary>GET /v1/agent/service/:id: the local agent's registration, or null when it has none.</summary>
    public async Task<AgentService?> GetAgentServiceAsync(string serviceId, CancellationToken cancellationToken)
    {
        var result = await GetAsync($"v1/agent/service/{Uri.EscapeDataString(serviceId)}", ConsulJsonContext.Default.AgentService, 0, null, cancellationToken).ConfigureAwait(false);
        return result.Found ? result.Value : null;
    }

    /// <summary>GET /v1/agent/self: the local agent's node name.</summary>
    public async Task<string> GetAgentNodeNameAsync(CancellationToken cancellationToken)
    {
        var result = await GetAsync("v1/agent/self", ConsulJsonContext.Default.AgentSelf, 0, null, cancellationToken).ConfigureAwait(false);
        return result.Value?.Config.NodeName ?? "";
    }
}
