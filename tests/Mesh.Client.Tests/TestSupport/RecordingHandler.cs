using System.Net;

namespace Mesh.Tests;

/// <summary>
/// The network, faked: the terminal handler of an HttpClient pipeline. It records what it was sent,
/// as it was at send time (the mesh restores the request afterwards), and answers 200.
/// </summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    public List<SentRequest> Requests { get; } = [];

    /// <summary>Gets or sets a hook run as each request is sent, while the mesh has it rewritten; it may throw, as a network does.</summary>
    public Action<HttpRequestMessage>? OnSend { get; set; }

    /// <summary>Gets or sets a hook that adds to each response (such as headers the mesh then rewrites).</summary>
    public Action<HttpResponseMessage>? OnResponse { get; set; }

    public SentRequest Single => Assert.Single(Requests);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(new SentRequest(
            request.RequestUri!,
            request.Headers.Host,
            request.Headers.NonValidated.ToDictionary(h => h.Key, h => h.Value.ToArray(), StringComparer.OrdinalIgnoreCase)));
        OnSend?.Invoke(request);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("upstream") };
        OnResponse?.Invoke(response);
        return Task.FromResult(response);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();
}

/// <summary>One request as the network saw it.</summary>
internal sealed record SentRequest(Uri Uri, string? Host, IReadOnlyDictionary<string, string[]> Headers);
