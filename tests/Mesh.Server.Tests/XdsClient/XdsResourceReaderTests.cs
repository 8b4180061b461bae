using Envoy.Config.Core.V3;
using Google.Protobuf;
using Mesh.Registry.Xds;
using EnvoyCluster = Envoy.Config.Cluster.V3.Cluster;

namespace Mesh.Server.Tests.XdsClient;

/// <summary>What the xDS client NACKs: a field its protos do not declare, and a declared field Mesh does not implement, each named.</summary>
public sealed class XdsResourceReaderTests
{
    [Fact]
    public void Cluster_UndeclaredField_IsAnErrorNamingItsNumberAndMessage()
    {
        var cluster = EdsCluster();
        var bytes = cluster.ToByteArray().Concat(ExtraVarintField(99, 1)).ToArray();
        var parsed = EnvoyCluster.Parser.ParseFrom(bytes);
        var errors = new List<string>();

        var result = XdsResourceReader.ReadCluster(parsed, errors);

        Assert.Null(result);
        Assert.Contains(errors, e => e.Contains("field 99 of envoy.config.cluster.v3.Cluster is not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_UnsupportedDeclaredFields_AreErrorsNamingThem()
    {
        var cluster = EdsCluster();
        cluster.LbPolicy = EnvoyCluster.Types.LbPolicy.Maglev;
        cluster.TransportSocket = new TransportSocket { Name = "envoy.transport_sockets.tls" };
        var errors = new List<string>();

        Assert.Null(XdsResourceReader.ReadCluster(cluster, errors));
        Assert.Contains(errors, e => e.StartsWith("lb_policy Maglev", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("transport_socket", StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_AsMeshServerSendsIt_IsRead()
    {
        var errors = new List<string>();
        var result = XdsResourceReader.ReadCluster(EdsCluster(), errors);
        Assert.Empty(errors);
        Assert.Equal("outbound|9080|v1|reviews.default.svc.cluster.local", result!.EdsName);
    }

    private static EnvoyCluster EdsCluster() => new()
    {
        Name = "outbound|9080|v1|reviews.default.svc.cluster.local",
        Type = EnvoyCluster.Types.DiscoveryType.Eds,
        EdsClusterConfig = new EnvoyCluster.Types.EdsClusterConfig
        {
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            ServiceName = "outbound|9080|v1|reviews.default.svc.cluster.local",
        },
    };

    private static byte[] ExtraVarintField(int number, int value)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.Varint);
        output.WriteInt32(value);
        output.Flush();
        return stream.ToArray();
    }
}
