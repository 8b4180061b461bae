using Mesh.Server.Xds;

namespace Mesh.Server.Admin;

/// <summary>The admin API on <c>--port</c>: <c>/healthz</c>, <c>/admin/clients</c>, <c>/admin/config</c> (JSON).</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", static (XdsStateStore store) =>
        {
            try
            {
                return Results.Text($"ok: state {store.Current.Number}\n");
            }
            catch (InvalidOperationException ex)
            {
                return Results.Text(ex.Message + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });

        app.MapGet("/admin/clients", static (XdsClients clients) => Results.Json(new ClientsReport(clients.TotalNacks, clients.GetStatus())));

        app.MapGet("/admin/config", static (XdsStateStore store) =>
        {
            var generation = store.Current;
            var state = generation.State;
            var rejection = store.LastRejection;
            return Results.Json(new ConfigReport(
                generation.Number,
                [.. state.Documents.Select(d => d.DisplayName)],
                state.Instances.OrderBy(i => i.Key.Fqdn, StringComparer.Ordinal).ToDictionary(i => i.Key.Fqdn, i => i.Value.Count, StringComparer.Ordinal),
                [.. state.ColdServices.Select(s => s.Fqdn).Order(StringComparer.Ordinal)],
                generation.Default.Snapshot.Notes,
                generation.Notes,
                store.RejectedUpdates,
                rejection));
        });
    }
}
