using Mesh.Configuration.Internal;

namespace Mesh.Configuration;

internal static partial class MeshDocumentParser
{
    private static VirtualServiceSpec ReadVirtualServiceSpec(MappingReader m)
    {
        var spec = new VirtualServiceSpec
        {
            Hosts = m.StringList("hosts"),
            Gateways = m.StringList("gateways"),
            Http = m.List("http", ReadHttpRoute),
            ExportTo = m.StringList("exportTo"),
        };
        m.Unsupported("(only http routes are)", "tcp", "tls");
        return spec;
    }

    private static HttpRoute ReadHttpRoute(MappingReader m)
    {
        var route = new HttpRoute
        {
            Name = m.String("name"),
            Match = m.List("match", ReadHttpMatchRequest),
            Route = m.List("route", ReadHttpRouteDestination),
            Rewrite = m.Object("rewrite", ReadRewrite),
            Headers = m.Object("headers", ReadHeaders),
            Timeout = m.Duration("timeout"),
            Retries = m.Object("retries", ReadRetries),
            Fault = m.Object("fault", ReadFault),
            Mirror = m.Object("mirror", ReadDestination),
        };
        m.Unsupported("yet", "redirect", "directResponse", "delegate", "mirrors", "mirrorPercentage", "mirrorPercent", "mirror_percent", "corsPolicy");
        return route;
    }

    private static HttpMatchRequest ReadHttpMatchRequest(MappingReader m)
    {
        m.Unsupported("yet", "statPrefix");
        return ReadHttpMatchFields(m);
    }

    private static HttpMatchRequest ReadHttpMatchFields(MappingReader m) => new()
    {
        Name = m.String("name"),
        Uri = m.Object("uri", ReadStringMatch),
        Scheme = m.Object("scheme", ReadStringMatch),
        Method = m.Object("method", ReadStringMatch),
        Authority = m.Object("authority", ReadStringMatch),
        Headers = m.Map("headers", ReadStringMatch, StringComparer.OrdinalIgnoreCase),
        WithoutHeaders = m.Map("withoutHeaders", ReadStringMatch, StringComparer.OrdinalIgnoreCase),
        QueryParams = m.Map("queryParams", ReadStringMatch),
        Port = m.Int("port"),
        SourceLabels = m.StringMap("sourceLabels"),
        SourceNamespace = m.String("sourceNamespace"),
        Gateways = m.StringList("gateways"),
        IgnoreUriCase = m.Bool("ignoreUriCase") ?? false,
    };

    private static HttpRouteDestination ReadHttpRouteDestination(MappingReader m)
    {
        var destination = m.Object("destination", ReadDestination);
        if (destination is null)
        {
            m.Context.Error(m.Join("destination"), "is required");
        }

        return new HttpRouteDestination
        {
            Destination = destination ?? new Destination { Host = "" },
            Weight = m.Int("weight"),
            Headers = m.Object("headers", ReadHeaders),
        };
    }

    private static Destination ReadDestination(MappingReader m) => new()
    {
        Host = m.RequiredString("host"),
        Subset = m.String("subset"),
        Port = m.Object("port", p => new PortHolder(p.Int("number")))?.Number,
    };

    private sealed record PortHolder(int? Number);

    private static HttpRewrite ReadRewrite(MappingReader m) => new()
    {
        Uri = m.String("uri"),
        Authority = m.String("authority"),
        UriRegexRewrite = m.Object("uriRegexRewrite", r => new RegexRewrite { Match = r.RequiredString("match"), Rewrite = r.String("rewrite") ?? "" }),
    };

    private static HeadersConfig ReadHeaders(MappingReader m) => new()
    {
        Request = m.Object("request", ReadHeaderOperations),
        Response = m.Object("response", ReadHeaderOperations),
    };

    private static HeaderOperations ReadHeaderOperations(MappingReader m) => new()
    {
        Set = m.StringMap("set"),
        Add = m.StringMap("add"),
        Remove = m.StringList("remove"),
    };

    private static HttpRetry ReadRetries(MappingReader m)
    {
        var retries = new HttpRetry
        {
            Attempts = m.Int("attempts") ?? 0,
            PerTryTimeout = m.Duration("perTryTimeout"),
            RetryOn = m.String("retryOn"),
            RetryRemoteLocalities = m.Bool("retryRemoteLocalities"),
        };

        // Mesh retries with Envoy's default backoff and always tries another endpoint first.
        m.Unsupported("yet", "backoff", "retryIgnorePreviousHosts");
        return retries;
    }

    private static HttpFaultInjection ReadFault(MappingReader m) => new()
    {
        Delay = m.Object("delay", d =>
        {
            var delay = new FaultDelay { Percentage = d.Percent("percentage") ?? d.Int("percent"), FixedDelay = d.Duration("fixedDelay") };
            d.Unsupported("yet", "exponentialDelay");
            return delay;
        }),
        Abort = m.Object("abort", a =>
        {
            var abort = new FaultAbort { Percentage = a.Percent("percentage"), HttpStatus = a.Int("httpStatus"), GrpcStatus = a.String("grpcStatus") };
            a.Unsupported("yet", "http2Error");
            return abort;
        }),
    };
}
