using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests.XdsClient;

/// <summary>
/// A hand-made ADS server (Kestrel, h2c, port 0) that answers each subscription with the resources the test set, pushes
/// on demand, and records every request, so a test can send what Mesh.Server never would and see the client's NACK.
/// </summary>
internal sealed class FakeAdsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Service _service;

    private FakeAdsServer(WebApplication app, Service service, int port)
    {
        _app = app;
        _service = service;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Gets every request received, in order.</summary>
    public IReadOnlyList<DiscoveryRequest> Requests => [.. _service.Requests];

    public static async Task<FakeAdsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o =>
        {
            o.Protocols = HttpProtocols.Http2;
            listen = o;
        }));
        var service = new Service();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        return new FakeAdsServer(app, service, listen!.IPEndPoint!.Port);
    }

    /// <summary>Sets the resources of a type answered from now on, with their version.</summary>
    public void Set(string typeUrl, string version, params Google.Protobuf.IMessage[] resources) =>
        _service.Current[typeUrl] = (version, [.. resources.Select(Any.Pack)]);

    /// <summary>Sets raw resources (bytes a real server might send, such as fields Mesh's protos lack).</summary>
    public void SetRaw(string typeUrl, string version, params Any[] resources) => _service.Current[typeUrl] = (version, resources);

    /// <summary>Sends the current resources of a type on the open stream; returns the nonce used.</summary>
    public Task<string> PushAsync(string typeUrl) => _service.PushAsync(typeUrl);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Service : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
    {
        private readonly SemaphoreSlim _write = new(1, 1);
        private IServerStreamWriter<DiscoveryResponse>? _stream;
        private int _nonce;

        public ConcurrentQueue<DiscoveryRequest> Requests { get; } = new();

        public ConcurrentDictionary<string, (string Version, Any[] Resources)> Current { get; } = new();

        private ConcurrentDictionary<string, string> Names { get; } = new();

        public override async Task StreamAggregatedResources(IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
        {
            _stream = responseStream;
            Names.Clear();
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                Requests.Enqueue(request);
                var names = string.Join(",", request.ResourceNames);
                var changed = !Names.TryGetValue(request.TypeUrl, out var previous) || previous != names;
                Names[request.TypeUrl] = names;
                if ((changed || request.ResponseNonce.Length == 0) && request.ResourceNames.Count > 0)
                {
                    await PushAsync(request.TypeUrl);
                }
            }
        }

        public async Task<string> PushAsync(string typeUrl)
        {
            var nonce = Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);
            if (!Current.TryGetValue(typeUrl, out var current) || _stream is not { } stream)
            {
                return nonce;
            }

            var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = current.Version, Nonce = nonce };
            response.Resources.Add(current.Resources);
            await _write.WaitAsync();
            try
            {
                await stream.WriteAsync(response);
            }
            finally
            {
                _write.Release();
            }

            return nonce;
        }
    }
}
