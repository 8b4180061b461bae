using System.Net.Sockets;

namespace Mesh.Resilience.Tests;

public class UpstreamExceptionTests
{
    [Theory]
    [InlineData(HttpRequestError.ConnectionError, "ConnectFailure")]
    [InlineData(HttpRequestError.NameResolutionError, "ConnectFailure")]
    [InlineData(HttpRequestError.SecureConnectionError, "ConnectFailure")]
    [InlineData(HttpRequestError.ResponseEnded, "Reset")]
    [InlineData(HttpRequestError.InvalidResponse, "Reset")]
    [InlineData(HttpRequestError.Unknown, "Reset")]
    public void Classify_HttpRequestError(HttpRequestError error, string expected)
    {
        var exception = new HttpRequestException(error, "failed", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal(expected, UpstreamException.Classify(exception).ToString());
    }

    [Fact]
    public void Classify_Http2RefusedStream_RefusedStream()
    {
        // REFUSED_STREAM is HTTP/2 error code 0x7: the server did not process the request, so it is safe to send again.
        Assert.Equal(UpstreamFailure.RefusedStream, UpstreamException.Classify(new HttpProtocolException(0x7, "refused", null)));
        Assert.Equal(UpstreamFailure.RefusedStream, UpstreamException.Classify(new HttpRequestException("failed", new HttpProtocolException(0x7, "refused", null))));
    }

    [Fact]
    public void Classify_OtherHttp2Error_Reset()
    {
        Assert.Equal(UpstreamFailure.Reset, UpstreamException.Classify(new HttpProtocolException(0x2, "internal error", null)));
    }

    [Fact]
    public void Constructor_KeepsTheFailureAndTheCause()
    {
        var cause = new HttpRequestException(HttpRequestError.ConnectionError, "refused");

        var exception = new UpstreamException(UpstreamFailure.ConnectFailure, cause);

        Assert.Equal((UpstreamFailure.ConnectFailure, cause), (exception.Failure, exception.InnerException));
        Assert.Equal("upstream ConnectFailure: refused", exception.Message);
    }
}
