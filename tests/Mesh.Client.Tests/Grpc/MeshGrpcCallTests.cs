using Mesh.Tests;

namespace Mesh.Grpc.Tests;

/// <summary>How the HTTP mesh tells a gRPC call its balancer already routed from a request it must route.</summary>
public class MeshGrpcCallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task IsBalanced_BalancedGrpcCallToAMeshHost_PassesThroughUnrouted()
    {
        using var mesh = new MeshServices(new TestStateSource(TestMesh.ReviewsRule, TestMesh.Reviews));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/pkg.Service/Method") { Version = new Version(2, 0) };
        request.Options.Set(new HttpRequestOptionsKey<object>("Subchannel"), new object());

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.Equal("reviews", mesh.Network.Single.Uri.Host);
    }

    [Theory]
    [InlineData("POST", 1, true)] // HTTP/1.1: not gRPC, whatever the options say
    [InlineData("GET", 2, true)]
    [InlineData("POST", 2, false)] // no balancer option: an HTTP/2 POST of an HttpClient
    public async Task IsBalanced_NotABalancedGrpcCall_Routed(string method, int version, bool subchannel)
    {
        using var mesh = new MeshServices(new TestStateSource(TestMesh.ReviewsRule, TestMesh.Reviews));
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://reviews:9080/pkg.Service/Method") { Version = new Version(version, 0) };
        if (subchannel)
        {
            request.Options.Set(new HttpRequestOptionsKey<object>("Subchannel"), new object());
        }

        using var response = await mesh.Client.SendAsync(request, Ct);

        Assert.StartsWith("10.0.0.", mesh.Network.Single.Uri.Host, StringComparison.Ordinal);
    }
}
