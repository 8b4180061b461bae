using Grpc.Core;

namespace Mesh.Grpc;

/// <summary>The two mappings between HTTP and gRPC statuses that the mesh needs.</summary>
internal static class GrpcStatusMapping
{
    /// <summary>
    /// The gRPC status of an HTTP status, as gRPC maps a non-gRPC response
    /// (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md): used for <c>abort.httpStatus</c> on a gRPC call.
    /// </summary>
    public static StatusCode FromHttp(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// The HTTP status Envoy gives a gRPC status (<c>Grpc::Utility::grpcToHttpStatus</c>), so that outlier detection counts a
    /// gRPC call as Envoy does: UNKNOWN, INTERNAL, DATA_LOSS 500, UNIMPLEMENTED 501, UNAVAILABLE 503 and DEADLINE_EXCEEDED 504
    /// are 5xx, and the last two are gateway errors.
    /// </summary>
    public static int ToHttp(StatusCode status) => status switch
    {
        StatusCode.OK => 200,
        StatusCode.Cancelled => 499,
        StatusCode.Unknown => 500,
        StatusCode.InvalidArgument => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.ResourceExhausted => 429,
        StatusCode.FailedPrecondition => 400,
        StatusCode.Aborted => 409,
        StatusCode.OutOfRange => 400,
        StatusCode.Unimplemented => 501,
        StatusCode.Internal => 500,
        StatusCode.Unavailable => 503,
        StatusCode.DataLoss => 500,
        StatusCode.Unauthenticated => 401,
        _ => 500,
    };

    /// <summary>Reads <c>grpc-status</c> from headers or trailers; false when absent or not a number.</summary>
    public static bool TryRead(System.Net.Http.Headers.HttpHeaders headers, out StatusCode status)
    {
        status = StatusCode.OK;
        if (headers.NonValidated.TryGetValues("grpc-status", out var values))
        {
            foreach (var value in values)
            {
                if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
                {
                    status = (StatusCode)code;
                    return true;
                }
            }
        }

        return false;
    }
}
