using Mesh.Configuration.Internal;

namespace Mesh.Configuration;

public static partial class MeshDocumentParser
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
        var policy = new TrafficPolicy { LoadBalancer = m.Object("loadBalancer", ReadLoadBalancer) };
        m.Unsupported("yet", "connectionPool", "outlierDetection", "tls", "portLevelSettings", "tunnel", "proxyProtocol");
        return policy;
    }

    private static LoadBalancerSettings ReadLoadBalancer(MappingReader m)
    {
        var settings = new LoadBalancerSettings
        {
            Simple = m.String("simple"),
            ConsistentHash = m.Object("consistentHash", ReadConsistentHash),
        };
        m.Unsupported("yet", "localityLbSetting", "warmupDurationSecs", "warmup");
        return settings;
    }

    private static ConsistentHashLB ReadConsistentHash(MappingReader m)
    {
        var ringSize = m.Object("ringHash", r => new RingHolder(r.Long("minimumRingSize")))?.MinimumRingSize;
        var result = new ConsistentHashLB
        {
            HttpHeaderName = m.String("httpHeaderName"),
            HttpCookie = m.Object("httpCookie", c => new HttpCookie { Name = c.RequiredString("name"), Path = c.String("path"), Ttl = c.Duration("ttl") }),
            UseSourceIp = m.Bool("useSourceIp") ?? false,
            HttpQueryParameterName = m.String("httpQueryParameterName"),
            MinimumRingSize = ringSize ?? m.Long("minimumRingSize"),
        };
        m.Unsupported("yet", "maglev");
        return result;
    }

    private sealed record RingHolder(long? MinimumRingSize);
}
