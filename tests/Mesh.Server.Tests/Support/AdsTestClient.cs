using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.Server.Tests.Support;

/// <summary>An ADS stream opened with Grpc.Net.Client over HTTP/2 cleartext, driven request by request.</summary>
internal sealed class AdsTestClient : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> _call;

    public AdsTestClient(Uri address)
    {
        _channel = GrpcChannel.ForAddress(address);
        _call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel).StreamAggregatedResources(cancellationToken: TestContext.Current.CancellationToken);
    }

    public static Node Node(string id = "sidecar~10.0.0.7~tester-1.default~default.svc.cluster.local", string @namespace = "default", IReadOnlyDictionary<string, string>? labels = null)
    {
        var labelStruct = new Struct();
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            labelStruct.Fields[key] = Value.ForString(value);
        }

        var metadata = new Struct();
        metadata.Fields["NAMESPACE"] = Value.ForString(@namespace);
        metadata.Fields["LABELS"] = Value.ForStruct(labelStruct);
        return new Node { Id = id, Locality = new Locality(), Metadata = metadata, UserAgentName = "Mesh.Server.Tests" };
    }

    public static DiscoveryRequest Request(string typeUrl, IEnumerable<string> names, string version = "", string nonce = "", Node? node = null, Google.Rpc.Status? error = null)
    {
        var request = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = version, ResponseNonce = nonce, Node = node, ErrorDetail = error };
        request.ResourceNames.Add(names);
        return request;
    }

    /// <summary>The ACK of a response: its version and nonce, the same names.</summary>
    public static DiscoveryRequest Ack(DiscoveryResponse response, IEnumerable<string> names) => Request(response.TypeUrl, names, response.VersionInfo, response.Nonce);

    public Task SendAsync(DiscoveryRequest request) => _call.RequestStream.WriteAsync(request);

    public async Task<DiscoveryResponse> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            Assert.True(await _call.ResponseStream.MoveNext(cts.Token), "the ADS stream ended");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No ADS response within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds:0.#} s");
        }

        return _call.ResponseStream.Current;
    }

    /// <summary>Sends a request and returns the response to it.</summary>
    public async Task<DiscoveryResponse> RequestAsync(DiscoveryRequest request)
    {
        await SendAsync(request);
        var response = await ReceiveAsync();
        Assert.Equal(request.TypeUrl, response.TypeUrl);
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        await Task.Yield();
        _channel.Dispose();
    }
}
