using Grpc.Core;
using Mesh.Http;

namespace Mesh.Grpc;

/// <summary>
/// Names why the mesh failed a call, in an <c>x-mesh-reason</c> trailer of the <see cref="RpcException"/>, as the HTTP
/// mesh names it in a header: <c>route_not_found</c>, <c>no_healthy_upstream</c>, <c>upstream_overflow</c>,
/// <c>fault_abort</c>. A picker can fail a call with a status only, so the picker puts the reason first in the
/// status detail (<c>Mesh: no_healthy_upstream: ...</c>) and the interceptor copies it to the trailer.
/// </summary>
internal static class MeshGrpcFailures
{
    public const string DetailPrefix = "Mesh: ";

    /// <summary>The status detail of a fault abort.</summary>
    public const string FaultAbortDetail = "fault filter abort";

    private const string DropTrailer = "grpc-internal-drop-request";

    private static readonly string[] Reasons = [MeshHeaders.RouteNotFound, MeshHeaders.NoHealthyUpstream, MeshHeaders.UpstreamOverflow];

    /// <summary>Returns <paramref name="error"/> with the reason trailer added when the mesh generated it; otherwise null.</summary>
    public static RpcException? WithReason(RpcException error)
    {
        if (error.Trailers.GetValue(MeshHeaders.Reason) is not null)
        {
            return null;
        }

        var detail = error.Status.Detail;
        string? reason = null;
        if (detail == FaultAbortDetail && error.Trailers.GetValue(DropTrailer) is not null)
        {
            reason = MeshHeaders.FaultAbort;
        }
        else if (detail.StartsWith(DetailPrefix, StringComparison.Ordinal))
        {
            foreach (var known in Reasons)
            {
                if (detail.AsSpan(DetailPrefix.Length).StartsWith(known + ":", StringComparison.Ordinal))
                {
                    reason = known;
                }
            }
        }

        if (reason is null)
        {
            return null;
        }

        var trailers = new Metadata();
        foreach (var entry in error.Trailers)
        {
            trailers.Add(entry);
        }

        trailers.Add(MeshHeaders.Reason, reason);
        return new RpcException(error.Status, trailers, error.Message);
    }
}
