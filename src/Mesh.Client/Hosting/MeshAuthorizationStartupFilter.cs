using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mesh.Hosting;

/// <summary>
/// Puts <see cref="MeshAuthorizationMiddleware"/> at the start of the application's pipeline, after the registry's
/// health check (Istio answers kubelet probes in its agent, outside the RBAC filter, so a deny-all policy does not
/// make the workload fail its health check). Metrics scrapes (<see cref="MeshOptions.MetricsPath"/>) pass unchecked for
/// the same reason: Istio serves them from its agent.
/// </summary>
internal sealed class MeshAuthorizationStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<MeshAuthorizationMiddleware>();
        next(app);
    };
}
