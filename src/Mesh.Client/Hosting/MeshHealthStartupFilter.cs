using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Answers the registry's health check (<see cref="ConsulRegistryOptions.HealthPath"/>) from ASP.NET Core health checks: 200 when healthy, 503 otherwise.</summary>
internal sealed class MeshHealthStartupFilter(IOptions<MeshOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var path = new PathString(options.Value.Consul.HealthPath);
        app.Use(async (context, nextMiddleware) =>
        {
            if (!context.Request.Path.Equals(path, StringComparison.OrdinalIgnoreCase))
            {
                await nextMiddleware(context).ConfigureAwait(false);
                return;
            }

            var report = await context.RequestServices.GetRequiredService<HealthCheckService>().CheckHealthAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted).ConfigureAwait(false);
        });
        next(app);
    };
}
