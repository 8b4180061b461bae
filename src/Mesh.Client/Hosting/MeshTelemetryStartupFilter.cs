using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mesh.Hosting;

/// <summary>
/// Puts the mesh's inbound telemetry (<see cref="MeshTelemetryMiddleware"/>) first in the application's pipeline, so it
/// sees every response, those of the mesh's own inbound middleware (authorization's 403s, the health check) included.
/// </summary>
/// <remarks>
/// Order: ASP.NET Core runs startup filters in their registration order, the first registered wrapping all the others
/// (its middleware is added first, so it is outermost). <c>AddMesh()</c> inserts this filter at index 0 of the service
/// collection, ahead of every startup filter registered before or after it; the mesh's other inbound filters
/// (authorization, health) are appended and so run inside it. Only a filter that is itself inserted at index 0 after
/// <c>AddMesh()</c> would run outside it.
/// </remarks>
internal sealed class MeshTelemetryStartupFilter(Telemetry.MeshServerTelemetry telemetry, Microsoft.Extensions.Options.IOptions<MeshOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var healthPath = new Microsoft.AspNetCore.Http.PathString(options.Value.Consul.HealthPath);
        var metricsPath = string.IsNullOrEmpty(options.Value.MetricsPath) ? default : new Microsoft.AspNetCore.Http.PathString(options.Value.MetricsPath);
        app.Use(inner => new MeshTelemetryMiddleware(inner, telemetry, healthPath, metricsPath).InvokeAsync);
        next(app);
    };
}
