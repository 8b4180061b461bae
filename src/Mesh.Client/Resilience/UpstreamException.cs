namespace Mesh.Resilience;

/// <summary>An attempt got no response: why (as Envoy classifies it), and the underlying exception.</summary>
internal sealed class UpstreamException : Exception
{
    public UpstreamException(UpstreamFailure failure, Exception inner)
        : base($"upstream {failure}: {inner.Message}", inner)
    {
        Failure = failure;
    }

    public UpstreamException()
    {
    }

    public UpstreamException(string message)
        : base(message)
    {
    }

    public UpstreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UpstreamFailure Failure { get; }

    /// <summary>Tells a connection failure from a reset, as SocketsHttpHandler reports them.</summary>
    public static UpstreamFailure Classify(Exception exception) => exception switch
    {
        HttpProtocolException { ErrorCode: 0x7 } => UpstreamFailure.RefusedStream,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } => UpstreamFailure.ConnectFailure,
        HttpRequestException { InnerException: HttpProtocolException { ErrorCode: 0x7 } } => UpstreamFailure.RefusedStream,
        _ => UpstreamFailure.Reset,
    };
}
