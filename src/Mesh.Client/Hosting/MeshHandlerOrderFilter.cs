using Mesh.Http;
using Microsoft.Extensions.Http;

namespace Mesh.Hosting;

/// <summary>
/// Puts the mesh's handler innermost in every IHttpClientFactory pipeline, just above the primary
/// handler, wherever <c>AddMesh()</c> was called: the mesh sends requests to mesh hosts through its own
/// connection pools (as a sidecar would), so any handler below it would never see them. With the mesh
/// innermost, every handler of the client (auth, logging, a resilience pipeline) sees every request,
/// with its logical URI, whether it was added before or after <c>AddMesh()</c> or in
/// <c>ConfigureHttpClientDefaults</c>.
/// </summary>
internal sealed class MeshHandlerOrderFilter : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        var handlers = builder.AdditionalHandlers;
        var mesh = handlers.OfType<MeshHttpHandler>().ToList();
        if (mesh.Count == 0 || (mesh.Count == 1 && ReferenceEquals(handlers[^1], mesh[0])))
        {
            return;
        }

        foreach (var handler in mesh)
        {
            handlers.Remove(handler);
        }

        // One is enough: a second would only ever see requests the first already sent.
        handlers.Add(mesh[0]);
    };
}
