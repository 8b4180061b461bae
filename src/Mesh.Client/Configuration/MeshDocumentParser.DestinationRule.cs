using Mesh.Configuration.Internal;

namespace Mesh.Configuration;

internal static partial class MeshDocumentParser
{
    private static DestinationRuleSpec ReadDestinationRuleSpec(MappingReader m)
    {
        var spec = new DestinationRuleSpec
        {
            Host = m.RequiredString("host"),
            TrafficPolicy = m.Object("trafficPolicy", ReadTrafficPolicy),
            Subsets = m.List("subsets", ReadSubset),
            ExportTo = m.StringList("exportTo"),
        };
        m.Unsupported("yet", "workloadSelector");
        return spec;
    }

    private static Subset ReadSubset(MappingReader m) => new()
    {
        Name = m.RequiredString("name"),
        Labels = m.StringMap("labels"),
        TrafficPolicy = m.Object("trafficPolicy", ReadTrafficPolicy),
    };

    private static TrafficPolicy ReadTrafficPolicy(MappingReader m)
    {
        var policy = new TrafficPolicy
        {
            LoadBalancer = m.Object("loadBalancer", ReadLoadBalancer),
            ConnectionPool = m.Object("connectionPool", ReadConnectionPool),
            OutlierDetection = m.Object("outlierDetection", ReadOutlierDetection),
            Tls = m.Object("tls", ReadClientTls),
            PortLevelSettings = m.List("portLevelSettings", ReadPortTrafficPolicy),
        };
        m.Unsupported("yet", "tunnel", "proxyProtocol", "retryBudget");
        return policy;
    }

    private static PortTrafficPolicy ReadPortTrafficPolicy(MappingReader m)
    {
        var policy = new PortTrafficPolicy
        {
            Port = m.Object("port", p => new TlsPortHolder(p.Int("number")))?.Number,
            Tls = m.Object("tls", ReadClientTls),
        };
        m.Unsupported("yet at port level (only tls is)", "loadBalancer", "connectionPool", "outlierDetection");
        return policy;
    }

    private static ClientTlsSettings ReadClientTls(MappingReader m)
    {
        var tls = new ClientTlsSettings
        {
            Mode = m.String("mode"),
            ClientCertificate = m.String("clientCertificate"),
            PrivateKey = m.String("privateKey"),
            CaCertificates = m.String("caCertificates"),
            SubjectAltNames = m.StringList("subjectAltNames"),
            Sni = m.String("sni"),
            InsecureSkipVerify = m.Bool("insecureSkipVerify"),
        };
        m.Unsupported("(credentials come from files or the mesh's certificate source, not Kubernetes secrets)", "credentialName");
        m.Unsupported("yet", "caCrl");
        return tls;
    }

    private sealed record TlsPortHolder(int? Number);

    private static ConnectionPoolSettings ReadConnectionPool(MappingReader m) => new()
    {
        Tcp = m.Object("tcp", t =>
        {
            var tcp = new TcpSettings { MaxConnections = t.Int("maxConnections"), ConnectTimeout = t.Duration("connectTimeout") };
            t.Unsupported("yet", "tcpKeepalive", "maxConnectionDuration", "idleTimeout", "maxConcurrentStreams");
            return tcp;
        }),
        Http = m.Object("http", h =>
        {
            var http = new HttpSettings
            {
                Http1MaxPendingRequests = h.Int("http1MaxPendingRequests"),
                Http2MaxRequests = h.Int("http2MaxRequests"),
                MaxRequestsPerConnection = h.Int("maxRequestsPerConnection"),
                MaxRetries = h.Int("maxRetries"),
                IdleTimeout = h.Duration("idleTimeout"),
            };
            h.Unsupported("yet", "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams", "http2KeepAlive");
            return http;
        }),
    };

    private static OutlierDetection ReadOutlierDetection(MappingReader m)
    {
        var detection = new OutlierDetection
        {
            Consecutive5xxErrors = m.Int("consecutive5xxErrors"),

            // The deprecated consecutiveErrors counted 502, 503 and 504: gateway errors.
            ConsecutiveGatewayErrors = m.Int("consecutiveGatewayErrors") ?? m.Int("consecutiveErrors"),
            Interval = m.Duration("interval"),
            BaseEjectionTime = m.Duration("baseEjectionTime"),
            MaxEjectionPercent = m.Int("maxEjectionPercent"),
            MinHealthPercent = m.Int("minHealthPercent"),
        };
        m.Unsupported("yet", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures", "outlierDetectionHttpErrorCodes");
        return detection;
    }

    private static LoadBalancerSettings ReadLoadBalancer(MappingReader m)
    {
        var settings = new LoadBalancerSettings
        {
            Simple = m.String("simple"),
            ConsistentHash = m.Object("consistentHash", ReadConsistentHash),
        };
        m.Unsupported("yet", "localityLbSetting", "warmupDurationSecs", "warmup", "zoneAwareLbSetting", "backendUtilization");
        return settings;
    }

    private static ConsistentHashLB ReadConsistentHash(MappingReader m)
    {
        var ringSize = m.Object("ringHash", r => new RingHolder(r.Long("minimumRingSize")))?.MinimumRingSize;
        var result = new ConsistentHashLB
        {
            HttpHeaderName = m.String("httpHeaderName"),
            HttpCookie = m.Object("httpCookie", c =>
            {
                var cookie = new HttpCookie { Name = c.RequiredString("name"), Path = c.String("path"), Ttl = c.Duration("ttl") };
                c.Unsupported("yet", "attributes");
                return cookie;
            }),
            UseSourceIp = m.Bool("useSourceIp") ?? false,
            HttpQueryParameterName = m.String("httpQueryParameterName"),
            MinimumRingSize = ringSize ?? m.Long("minimumRingSize"),
        };
        m.Unsupported("yet", "maglev");
        return result;
    }

    private sealed record RingHolder(long? MinimumRingSize);
}
