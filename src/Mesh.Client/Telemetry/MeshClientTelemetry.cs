using System.Diagnostics;
using System.Net.Http.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry;

/// <summary>
/// The client side's telemetry (reporter=source), shared by the HTTP handler and the gRPC interceptor: Istio's metrics
/// per logical request, the access log, the mesh tags on .NET's per-attempt <c>http.client.request.duration</c>. Labels
/// are built once per destination cluster (or service, when no cluster was chosen) and kept beside it.
/// </summary>
internal sealed class MeshClientTelemetry
{
    /// <summary>The request option that carries the destination's labels to the enrichment callback of .NET's HTTP metrics.</summary>
    public static readonly HttpRequestOptionsKey<IstioTagSet> TagsKey = new("Mesh.Telemetry.Tags");

    public const string EnrichedServiceTag = "mesh.destination.service";
    public const string EnrichedSubsetTag = "mesh.destination.subset";

    private static readonly Action<HttpMetricsEnrichmentContext> Enrich = static context =>
    {
        if (context.Request.Options.TryGetValue(TagsKey, out var tags))
        {
            context.AddCustomTag(EnrichedServiceTag, tags.DestinationService);
            context.AddCustomTag(EnrichedSubsetTag, tags.Subset ?? IstioLabels.Unknown);
        }
    };

    private static PropagatorFields? _fields;

    private readonly ConditionalWeakTable<object, IstioTagSet> _tags = new();
    private readonly ConditionalWeakTable<object, IstioTagSet>.CreateValueCallback _create;
    private readonly ILogger? _accessLog;

    public MeshClientTelemetry(MeshMetrics metrics, MeshWorkload local, TimeProvider time, ILogger? accessLog)
    {
        Metrics = metrics;
        Local = local;
        Time = time;
        _accessLog = accessLog;
        _create = key => key switch
        {
            Runtime.ClusterState cluster => IstioTagSet.ForClient(Local, cluster.Service.Name, cluster.Service.Namespace, cluster.Subset),
            Routing.ServiceRoutes service => IstioTagSet.ForClient(Local, service.Service.Name, service.Service.Namespace, null),
            _ => throw new ArgumentException($"No Istio labels for a {key.GetType().Name}.", nameof(key)),
        };
    }

    public MeshMetrics Metrics { get; }

    public MeshWorkload Local { get; }

    public TimeProvider Time { get; }

    /// <summary>Gets a value indicating whether a request must be measured: a listener on Istio's instruments, or the access log on.</summary>
    public bool Enabled => _accessLog is not null || Metrics.IstioEnabled;

    /// <summary>Returns the labels of requests to a cluster (<see cref="Runtime.ClusterState"/>) or, when none was chosen, to a service (<see cref="Routing.ServiceRoutes"/>).</summary>
    public IstioTagSet TagsFor(object destination) => _tags.GetValue(destination, _create);

    /// <summary>Tags .NET's per-attempt HTTP client metrics of <paramref name="request"/> with its destination service and subset (low cardinality).</summary>
    public static void EnrichAttempts(HttpRequestMessage request, IstioTagSet tags)
    {
        request.Options.Set(TagsKey, tags);
        HttpMetricsEnrichmentContext.AddCallback(request, Enrich);
    }

    /// <summary>Tells whether the request carries trace context headers (W3C <c>traceparent</c>, or the propagator's others).</summary>
    public static bool HasTraceContext(HttpRequestMessage request)
    {
        foreach (var field in TraceContextFields())
        {
            if (request.Headers.NonValidated.Contains(field))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The header names of the current propagator, copied to an array once per propagator (enumerating its collection would allocate per request).</summary>
    private static string[] TraceContextFields()
    {
        var propagator = DistributedContextPropagator.Current;
        var cached = Volatile.Read(ref _fields);
        if (cached is null || !ReferenceEquals(cached.Propagator, propagator))
        {
            cached = new PropagatorFields(propagator, [.. propagator.Fields]);
            Volatile.Write(ref _fields, cached);
        }

        return cached.Fields;
    }

    /// <summary>Removes the trace context headers an attempt's span wrote, so that the next attempt's span writes its own.</summary>
    public static void RemoveTraceContext(HttpRequestMessage request)
    {
        foreach (var field in TraceContextFields())
        {
            request.Headers.Remove(field);
        }
    }

    /// <summary>Records a finished logical request: Istio's metrics, and the access log's line when it is on.</summary>
    public void Record(in OutboundRequest request)
    {
        var elapsed = Time.GetElapsedTime(request.StartTimestamp);
        if (Metrics.IstioEnabled)
        {
            Metrics.RecordRequest(request.Peers, request.Protocol, request.ResponseCode, request.GrpcStatus, request.Flags, request.SecurityPolicy, elapsed.TotalMilliseconds, request.RequestBytes, request.ResponseBytes);
        }

        if (_accessLog is not null && _accessLog.IsEnabled(LogLevel.Information))
        {
            var uri = request.Uri;
            AccessLog.Outbound(
                _accessLog,
                Time.GetUtcNow() - elapsed,
                request.Method,
                uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString,
                ProtocolText(request.Version),
                request.ResponseCode,
                ResponseFlagsText.Get(request.Flags),
                request.GrpcStatus.Length == 0 ? "-" : request.GrpcStatus,
                request.RequestBytes,
                request.ResponseBytes,
                (long)elapsed.TotalMilliseconds,
                uri.IsAbsoluteUri ? uri.Authority : "-",
                request.UpstreamHost ?? "-",
                request.Cluster ?? "-",
                request.Route ?? "-");
        }
    }

    /// <summary>Tags the logical request's span with its outcome and ends it.</summary>
    public static void EndActivity(Activity? activity, in OutboundRequest request, int attempts)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            if (request.Protocol == IstioLabels.ProtocolGrpc)
            {
                activity.SetTag(MeshActivities.RpcSystem, "grpc");
                if (int.TryParse(request.GrpcStatus, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
                {
                    activity.SetTag(MeshActivities.RpcGrpcStatusCode, code);
                }
            }
            else if (request.ResponseCode != 0)
            {
                activity.SetTag(MeshActivities.HttpResponseStatusCode, request.ResponseCode);
            }

            activity.SetTag(MeshActivities.Attempts, attempts);
            if (request.Cluster is not null)
            {
                activity.SetTag(MeshActivities.Cluster, request.Cluster);
                activity.SetTag(MeshActivities.Subset, request.Peers.Subset);
            }

            if (request.Route is not null)
            {
                activity.SetTag(MeshActivities.Route, request.Route);
            }

            if (request.UpstreamHost is not null)
            {
                activity.SetTag(MeshActivities.NetworkPeerAddress, request.UpstreamHost);
            }

            if (request.Flags != ResponseFlags.None)
            {
                activity.SetTag(MeshActivities.ResponseFlagsTag, ResponseFlagsText.Get(request.Flags));
            }

            var fault = (request.Flags & (ResponseFlags.DelayInjected | ResponseFlags.FaultInjected)) switch
            {
                ResponseFlags.DelayInjected => "delay",
                ResponseFlags.FaultInjected => "abort",
                ResponseFlags.DelayInjected | ResponseFlags.FaultInjected => "delay,abort",
                _ => null,
            };
            if (fault is not null)
            {
                activity.SetTag(MeshActivities.Fault, fault);
            }

            var failed = request.Protocol == IstioLabels.ProtocolGrpc ? request.GrpcStatus is not "0" : request.ResponseCode is 0 or >= 500;
            if (failed)
            {
                var error = (request.Flags & ~ResponseFlags.DelayInjected) != ResponseFlags.None ? ResponseFlagsText.Get(request.Flags & ~ResponseFlags.DelayInjected)
                    : request.Protocol == IstioLabels.ProtocolGrpc ? request.GrpcStatus
                    : IstioLabels.Code(request.ResponseCode);
                activity.SetTag(MeshActivities.ErrorType, error);
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        activity.Stop();
    }

    private static string ProtocolText(Version version) => version.Major switch
    {
        2 => "HTTP/2",
        3 => "HTTP/3",
        _ => version.Minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
    };
}
