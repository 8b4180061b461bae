using Mesh.Registry.Xds;

namespace Mesh.Client.Tests.Registry.Xds;

public sealed class XdsHostNamesTests
{
    [Theory]
    [InlineData("ratings", true)]
    [InlineData("ratings:9080", true)]
    [InlineData("ratings.default", true)]
    [InlineData("ratings.default.svc:9090", true)]
    [InlineData("ratings.default.svc.cluster.local", true)]
    [InlineData("localhost", false)]
    [InlineData("localhost:5000", false)]
    [InlineData("127.0.0.1:8080", false)]
    [InlineData("[::1]:8080", false)]
    [InlineData("api.example.com", false)]
    [InlineData("api.example.com:443", false)]
    [InlineData("", false)]
    public void OnlyHostsThatCanNameAMeshServiceAreSubscribed(string authority, bool subscribed) =>
        Assert.Equal(subscribed, XdsRegistry.MayNameMeshService(authority));
}
