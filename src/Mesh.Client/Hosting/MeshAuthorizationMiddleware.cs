using Mesh.Security.Authorization;
using Mesh.Snapshot;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Hosting;

/// <summary>
/// Enforces the workload's AuthorizationPolicies on every inbound request, as Envoy's RBAC filter does on a
/// sidecar's inbound listener: a denied HTTP request gets 403 <c>RBAC: access denied</c>, a denied gRPC call a
/// trailers-only <c>PERMISSION_DENIED</c> with the same message. Reads the snapshot in force on each request,
/// so a config change applies to the next request.
/// </summary>
internal sealed partial class MeshAuthorizationMiddleware
{
    /// <summary>The body Envoy's RBAC filter answers a denied request with, which Istio's tasks check for.</summary>
    public const string DeniedMessage = "RBAC: access denied";

    private static readonly byte[] DeniedBody = "RBAC: access denied"u8.ToArray();

    private readonly RequestDelegate _next;
    private readonly IServiceProvider _services;
    private readonly AuthorizationEngine _engine;
    private readonly AuthorizationCounters _counters;
    private readonly ILogger _logger;
    private readonly PathString _metricsPath;
    private MeshSnapshotProvider? _provider;

    public MeshAuthorizationMiddleware(RequestDelegate next, IServiceProvider services)
    {
        _next = next;
        _services = services;
        _engine = services.GetRequiredService<AuthorizationEngine>();
        _counters = services.GetRequiredService<AuthorizationCounters>();
        _logger = services.GetRequiredService<ILogger<MeshAuthorizationMiddleware>>();
        var metricsPath = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MeshOptions>>().Value.MetricsPath;
        _metricsPath = string.IsNullOrEmpty(metricsPath) ? default : new PathString(metricsPath);
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Resolved on the first request, not when the pipeline is built: the first config load happens on resolution.
        var provider = _provider ??= _services.GetRequiredService<MeshSnapshotProvider>();
        var evaluator = _engine.For(provider.Current);

        // Metrics scrapes (Mesh:MetricsPath) are not the workload's traffic: Istio serves them from its agent's port, outside
        // the RBAC filter, so a deny-all policy does not blind Prometheus or the dashboard.
        if (evaluator.IsAllowAll || (_metricsPath.HasValue && HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals(_metricsPath, StringComparison.OrdinalIgnoreCase)))
        {
            return _next(context);
        }

        // The identity the mesh's handshake read (Consul's mapped into Mesh:TrustDomain), else the certificate's own.
        var peer = (context.Features.Get<IMeshPeerIdentityFeature>() as MeshTlsConnectionFeature)?.AuthorizationPeer ?? PeerIdentity.Of(context.Connection.ClientCertificate);
        var request = AuthorizationRequest.From(context, peer);
        var decision = evaluator.Evaluate(request);
        _counters.Count(decision);
        if (decision.AuditPolicy is { } audit)
        {
            Log.Audited(_logger, request.Method, request.Path, request.Principal ?? "(none)", request.SourceAddress, audit, decision.Allowed ? "allowed" : "denied");
        }

        if (decision.DryRun is { } dryRun && dryRun.Allowed != decision.Allowed)
        {
            Log.DryRun(_logger, request.Method, request.Path, request.Principal ?? "(none)", request.SourceAddress, dryRun.Allowed ? "allowed" : "denied", Reason(new AuthorizationDecision(dryRun.Allowed, dryRun.Policy, null)), decision.Allowed ? "allowed" : "denied");
        }

        if (decision.Allowed)
        {
            return _next(context);
        }

        Log.Denied(_logger, request.Method, request.Path, request.Principal ?? "(none)", request.SourceAddress, Reason(decision));
        return Deny(context);
    }

    private static string Reason(in AuthorizationDecision decision) => decision switch
    {
        { Allowed: false, Policy: { } deny } => $"DENY policy {deny} matched",
        { Allowed: false } => "no ALLOW policy matched",
        { Policy: { } allow } => $"ALLOW policy {allow} matched",
        _ => "no ALLOW policy applies",
    };

    private static Task Deny(HttpContext context)
    {
        // Istio's response_flags for the inbound telemetry: RBAC (Envoy's UAEX-style flag for an RBAC denial).
        context.Features.Set(Telemetry.InboundResponseFlags.Rbac);
        var response = context.Response;
        if (context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            // Trailers-only (gRPC over HTTP/2): status 200 and the gRPC status in the headers, no body.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = "7"; // PERMISSION_DENIED
            response.Headers["grpc-message"] = DeniedMessage;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status403Forbidden;
        response.ContentType = "text/plain";
        response.ContentLength = DeniedBody.Length;
        return response.Body.WriteAsync(DeniedBody, context.RequestAborted).AsTask();
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.AuthorizationDryRun, LogLevel.Information, "RBAC dry-run: {Method} {Path} from principal {Principal} at {SourceAddress} would be {DryRunOutcome} with the dry-run policies enforced ({Reason}); it was {Outcome}")]
        public static partial void DryRun(ILogger logger, string method, string path, string principal, System.Net.IPAddress? sourceAddress, string dryRunOutcome, string reason, string outcome);

        [LoggerMessage(Telemetry.MeshEventIds.AuthorizationDenied, LogLevel.Information, "RBAC: access denied to {Method} {Path} from principal {Principal} at {SourceAddress}: {Reason}")]
        public static partial void Denied(ILogger logger, string method, string path, string principal, System.Net.IPAddress? sourceAddress, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.AuthorizationAudited, LogLevel.Information, "RBAC audit: {Method} {Path} from principal {Principal} at {SourceAddress} matched AUDIT policy {Policy}; the request was {Outcome}")]
        public static partial void Audited(ILogger logger, string method, string path, string principal, System.Net.IPAddress? sourceAddress, string policy, string outcome);
    }
}
