using System.Diagnostics;
using Mesh.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Mesh.Hosting;

/// <summary>
/// Inbound telemetry (reporter=destination): Istio's request metrics for each request this service answers, HTTP and
/// gRPC (the status from the trailers, or from the headers of a trailers-only response), the access log's line, and the
/// mesh's attributes on ASP.NET Core's server span. Costs one check per request when nobody listens.
/// </summary>
internal sealed class MeshTelemetryMiddleware(RequestDelegate next, MeshServerTelemetry telemetry, PathString healthPath, PathString metricsPath = default)
{
    private const string GrpcStatus = "grpc-status";

    /// <summary>
    /// Measures the request when someone listens; the registry's health checks are not requests of the service, as Istio
    /// does not count kubelet's probes, nor are metrics scrapes (<see cref="MeshOptions.MetricsPath"/>), as Istio does not
    /// count Prometheus' (it scrapes the agent's own port).
    /// </summary>
    public Task InvokeAsync(HttpContext context) =>
        (telemetry.Enabled || Activity.Current is { IsAllDataRequested: true }) && !context.Request.Path.Equals(healthPath, StringComparison.OrdinalIgnoreCase)
            && !(metricsPath.HasValue && context.Request.Path.Equals(metricsPath, StringComparison.OrdinalIgnoreCase))
            ? InvokeMeasuredAsync(context)
            : next(context);

    private async Task InvokeMeasuredAsync(HttpContext context)
    {
        var start = telemetry.Time.GetTimestamp();
        var failed = false;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            Record(context, start, failed);
        }
    }

    private void Record(HttpContext context, long start, bool failed)
    {
        var request = context.Request;
        var response = context.Response;
        var isGrpc = request.ContentType is { } contentType && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

        // An exception that escaped the pipeline becomes a 500 unless the response had started.
        var code = failed && !response.HasStarted ? StatusCodes.Status500InternalServerError : response.StatusCode;
        var flags = context.RequestAborted.IsCancellationRequested ? ResponseFlags.DownstreamConnectionTermination : ResponseFlags.None;

        // A mesh middleware that answered the request itself says why (the authorization filter: RBAC).
        if (context.Features.Get<InboundResponseFlags>() is { } answered)
        {
            flags |= answered.Flags;
        }
        var grpcStatus = isGrpc ? ReadGrpcStatus(context) : "";

        var certificate = context.Connection.ClientCertificate;
        var peers = telemetry.Anonymous;
        string? principal = null;
        if (certificate is not null && Security.CertificateIdentity.GetSpiffeId(certificate) is { } id)
        {
            principal = id.Principal;
            peers = telemetry.For(principal, id.Namespace);
        }

        var security = ConnectionSecurity.ForServer(certificate is not null);
        var requestBytes = request.ContentLength ?? 0;
        var responseBytes = response.ContentLength ?? 0;
        var elapsed = telemetry.Time.GetElapsedTime(start);
        if (telemetry.Metrics.IstioEnabled)
        {
            telemetry.Metrics.RecordRequest(peers, isGrpc ? IstioLabels.ProtocolGrpc : IstioLabels.ProtocolHttp, code, grpcStatus, flags, security, elapsed.TotalMilliseconds, requestBytes, responseBytes);
        }

        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            // ASP.NET Core's server span, enriched rather than duplicated.
            activity.SetTag(MeshActivities.DestinationService, peers.DestinationService);
            activity.SetTag(MeshActivities.Subset, peers.Subset);
            activity.SetTag(MeshActivities.ConnectionSecurityPolicy, security);
            if (principal is not null)
            {
                activity.SetTag(MeshActivities.SourcePrincipal, principal);
            }

            if (flags != ResponseFlags.None)
            {
                activity.SetTag(MeshActivities.ResponseFlagsTag, ResponseFlagsText.Get(flags));
            }
        }

        if (telemetry.AccessLogger is { } log && log.IsEnabled(LogLevel.Information))
        {
            var remote = context.Connection.RemoteIpAddress;
            AccessLog.Inbound(
                log,
                telemetry.Time.GetUtcNow() - elapsed,
                request.Method,
                string.Concat(request.PathBase.Value, request.Path.Value, request.QueryString.Value),
                request.Protocol,
                code,
                ResponseFlagsText.Get(flags),
                grpcStatus.Length == 0 ? "-" : grpcStatus,
                requestBytes,
                responseBytes,
                (long)elapsed.TotalMilliseconds,
                request.Host.Value ?? "-",
                remote is null ? "-" : $"{remote}:{context.Connection.RemotePort}",
                security,
                principal ?? "-");
        }
    }

    /// <summary>The call's grpc-status: from the trailers, or from the headers of a trailers-only response; <c>unknown</c> when neither has one (the call was reset).</summary>
    private static string ReadGrpcStatus(HttpContext context)
    {
        var value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers[GrpcStatus] ?? default;
        if (value.Count == 0)
        {
            value = context.Response.Headers[GrpcStatus];
        }

        return value.Count > 0 && int.TryParse(value[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? IstioLabels.GrpcCode(code)
            : IstioLabels.Unknown;
    }
}
