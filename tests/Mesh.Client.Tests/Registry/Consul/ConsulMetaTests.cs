using Mesh.Configuration.Internal;

namespace Mesh.Registry.Consul.Tests;

public class ConsulMetaTests
{
    [Fact]
    public void Split_PortMeta_NamedPortsAndTheRestLabels()
    {
        var meta = new Dictionary<string, string>
        {
            ["version"] = "v1",
            ["mesh-namespace"] = "bookinfo",
            ["port-grpc-ratings"] = "9090:51001",
            ["port-metrics"] = "15020",
            ["port-owner"] = "team-a",   // not a port: stays a label
            ["port-"] = "9091",          // no name: stays a label
            ["port-big"] = "70000",      // out of range: stays a label
        };

        var (labels, ports) = ConsulMeta.Split(meta);

        Assert.Equal(new ValueList<InstancePort>([new InstancePort("grpc-ratings", 9090, 51001), new InstancePort("metrics", 15020, 15020)]), ports);
        Assert.Equal(["port-", "port-big", "port-owner", "version"], labels.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Split_NoPortMeta_NoPorts()
    {
        Assert.Null(ConsulMeta.Split(new Dictionary<string, string> { ["version"] = "v2" }).Ports);
    }

    [Theory]
    [InlineData(9090, 9090, "9090")]
    [InlineData(9090, 51001, "9090:51001")]
    public void PortValue_ReadsBack(int port, int target, string expected)
    {
        Assert.Equal(expected, ConsulMeta.PortValue(port, target));
        Assert.True(ConsulMeta.TryParsePort("port-grpc", expected, out var read));
        Assert.Equal(new InstancePort("grpc", port, target), read);
    }
}
