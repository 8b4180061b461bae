using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.Tests;

/// <summary>Endpoints for load-balancer tests: 10.0.0.1:9080, 10.0.0.2:9080, ...</summary>
internal static class TestEndpoints
{
    public static MeshEndpoint[] Create(int count) =>
        [.. Enumerable.Range(1, count).Select(i => Create($"10.0.0.{i}"))];

    public static MeshEndpoint Create(string address, int port = 9080) =>
        new(new EndpointConfig($"{address}:{port}", address, port, EndpointHealth.Healthy));

    public static HttpRequestMessage Request(string uri = "http://reviews:9080/") => new(HttpMethod.Get, uri);
}
