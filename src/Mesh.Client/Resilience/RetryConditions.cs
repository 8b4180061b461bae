using System.Globalization;
using System.Net;

namespace Mesh.Resilience;

/// <summary>Envoy's retry_on conditions, as Istio's retryOn lists them (comma-separated; an HTTP status adds itself to retriable-status-codes).</summary>
internal sealed class RetryConditions
{
    [Flags]
    private enum Condition
    {
        None = 0,
        FiveXx = 1,
        GatewayError = 2,
        Reset = 4,
        ConnectFailure = 8,
        RefusedStream = 16,
        Retriable4xx = 32,
        RetriableStatusCodes = 64,
        GrpcCancelled = 128,
        GrpcDeadlineExceeded = 256,
        GrpcInternal = 512,
        GrpcResourceExhausted = 1024,
        GrpcUnavailable = 2048,
    }

    private readonly Condition _conditions;
    private readonly HashSet<int> _statusCodes;

    private RetryConditions(Condition conditions, HashSet<int> statusCodes)
    {
        _conditions = conditions;
        _statusCodes = statusCodes;
    }

    /// <summary>Istio's default retryOn since 1.24 (no <c>retries</c>, or <c>retries</c> without <c>retryOn</c>): no status code is retried, so an application's 503 is not.</summary>
    public static RetryConditions IstioDefault { get; } = Parse("connect-failure,refused-stream,unavailable,cancelled");

    public static RetryConditions Parse(string text) =>
        TryParse(text, out var conditions, out var bad) ? conditions : throw new FormatException($"'{bad}' is not a retry condition");

    public static bool TryParse(string text, out RetryConditions conditions, out string bad)
    {
        var flags = Condition.None;
        var codes = new HashSet<int>();
        bad = "";
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Condition? flag = raw switch
            {
                "5xx" => Condition.FiveXx,
                "gateway-error" => Condition.GatewayError,
                "reset" => Condition.Reset,
                "connect-failure" => Condition.ConnectFailure,
                "refused-stream" => Condition.RefusedStream,
                "retriable-4xx" => Condition.Retriable4xx,
                "retriable-status-codes" => Condition.RetriableStatusCodes,
                "cancelled" => Condition.GrpcCancelled,
                "deadline-exceeded" => Condition.GrpcDeadlineExceeded,
                "internal" => Condition.GrpcInternal,
                "resource-exhausted" => Condition.GrpcResourceExhausted,
                "unavailable" => Condition.GrpcUnavailable,
                _ => null,
            };
            if (flag is { } f)
            {
                flags |= f;
            }
            else if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and < 600)
            {
                codes.Add(code);
                flags |= Condition.RetriableStatusCodes;
            }
            else
            {
                bad = raw;
                conditions = null!;
                return false;
            }
        }

        conditions = new RetryConditions(flags, codes);
        return true;
    }

    /// <summary>Whether a response is worth retrying: its status, or a gRPC status in its headers.</summary>
    public bool ShouldRetry(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status >= 500 && (_conditions & Condition.FiveXx) != 0)
        {
            return true;
        }

        if (status is 502 or 503 or 504 && (_conditions & Condition.GatewayError) != 0)
        {
            return true;
        }

        if (status == (int)HttpStatusCode.Conflict && (_conditions & Condition.Retriable4xx) != 0)
        {
            return true;
        }

        if ((_conditions & Condition.RetriableStatusCodes) != 0 && _statusCodes.Contains(status))
        {
            return true;
        }

        if ((_conditions & (Condition.GrpcCancelled | Condition.GrpcDeadlineExceeded | Condition.GrpcInternal | Condition.GrpcResourceExhausted | Condition.GrpcUnavailable)) != 0 &&
            response.Headers.NonValidated.TryGetValues("grpc-status", out var values))
        {
            foreach (var value in values)
            {
                var grpc = value switch
                {
                    "1" => Condition.GrpcCancelled,
                    "4" => Condition.GrpcDeadlineExceeded,
                    "13" => Condition.GrpcInternal,
                    "8" => Condition.GrpcResourceExhausted,
                    "14" => Condition.GrpcUnavailable,
                    _ => Condition.None,
                };
                return (_conditions & grpc) != 0;
            }
        }

        return false;
    }

    /// <summary>Whether a gRPC status (from <c>grpc-status</c>, in trailers or a trailers-only response) is worth retrying: Envoy's gRPC retry_on conditions.</summary>
    public bool ShouldRetryGrpc(int grpcStatus)
    {
        var grpc = grpcStatus switch
        {
            1 => Condition.GrpcCancelled,
            4 => Condition.GrpcDeadlineExceeded,
            13 => Condition.GrpcInternal,
            8 => Condition.GrpcResourceExhausted,
            14 => Condition.GrpcUnavailable,
            _ => Condition.None,
        };
        return (_conditions & grpc) != 0;
    }

    /// <summary>
    /// Whether a failure to get a response is worth retrying. As Envoy's wouldRetryFromReset: reset, 5xx
    /// and gateway-error retry every kind (each ends as a 503 or 504), connect-failure and refused-stream
    /// only their own; a per-try timeout resets the stream, so it counts as a reset.
    /// </summary>
    public bool ShouldRetry(UpstreamFailure failure) => failure switch
    {
        UpstreamFailure.ConnectFailure => (_conditions & (Condition.ConnectFailure | Condition.Reset | Condition.FiveXx | Condition.GatewayError)) != 0,
        UpstreamFailure.RefusedStream => (_conditions & (Condition.RefusedStream | Condition.Reset | Condition.FiveXx | Condition.GatewayError)) != 0,
        UpstreamFailure.Reset => (_conditions & (Condition.Reset | Condition.FiveXx | Condition.GatewayError)) != 0,
        UpstreamFailure.PerTryTimeout => (_conditions & (Condition.Reset | Condition.FiveXx | Condition.GatewayError)) != 0,
        _ => false,
    };
}

/// <summary>Ways an attempt can fail without a response, as Envoy tells them apart.</summary>
internal enum UpstreamFailure
{
    None,
    ConnectFailure,
    RefusedStream,
    Reset,
    PerTryTimeout,

    /// <summary>The route's timeout ended the call (never retried).</summary>
    RouteTimeout,
}
