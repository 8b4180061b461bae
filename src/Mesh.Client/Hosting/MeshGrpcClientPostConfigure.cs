using Grpc.Core;
using Grpc.Net.ClientFactory;
using Mesh.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>
/// Makes a gRPC client of IHttpClientFactory a mesh channel: its address <c>http://ratings:9080</c> becomes
/// <c>mesh:///ratings:9080</c> (Grpc.Net.Client resolves http and https addresses itself, so no resolver of ours would
/// see them), with insecure credentials for http and TLS for https unless the client set its own.
/// </summary>
internal sealed class MeshGrpcClientPostConfigure(string name) : IPostConfigureOptions<GrpcClientFactoryOptions>
{
    public void PostConfigure(string? name1, GrpcClientFactoryOptions options)
    {
        if (!string.Equals(name1, name, StringComparison.Ordinal) || options.Address is not { } address)
        {
            return;
        }

        var secure = address.Scheme == Uri.UriSchemeHttps;
        if (address.Scheme == Uri.UriSchemeHttp || secure)
        {
            options.Address = new Uri($"{MeshGrpcDefaults.Scheme}:///{address.Authority}");
        }

        options.ChannelOptionsActions.Add(channel => channel.Credentials ??= secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure);
    }
}
