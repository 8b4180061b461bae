using System.Net;

namespace Mesh.Resilience.Tests;

/// <summary>Envoy's retry_on, as Istio's retryOn spells it: what each condition retries, by response status, gRPC status and failure kind.</summary>
public class RetryConditionsTests
{
    [Theory]
    [InlineData("5xx", 500, true)]
    [InlineData("5xx", 501, true)]
    [InlineData("5xx", 503, true)]
    [InlineData("5xx", 599, true)]
    [InlineData("5xx", 499, false)]
    [InlineData("5xx", 200, false)]
    [InlineData("gateway-error", 502, true)]
    [InlineData("gateway-error", 503, true)]
    [InlineData("gateway-error", 504, true)]
    [InlineData("gateway-error", 500, false)]
    [InlineData("gateway-error", 501, false)]
    [InlineData("retriable-4xx", 409, true)] // Envoy's only retriable 4xx
    [InlineData("retriable-4xx", 400, false)]
    [InlineData("retriable-4xx", 429, false)]
    [InlineData("503", 503, true)]
    [InlineData("503", 500, false)]
    [InlineData("503", 502, false)]
    [InlineData("429,503", 429, true)]
    [InlineData("retriable-status-codes,409", 409, true)]
    [InlineData("retriable-status-codes", 503, false)] // names no code of its own
    [InlineData("reset", 503, false)]
    [InlineData("connect-failure", 503, false)]
    [InlineData("refused-stream", 503, false)]
    [InlineData("unavailable", 503, false)] // gRPC conditions read grpc-status, not the HTTP status
    [InlineData(" 5xx , reset ", 500, true)] // spaces around tokens are trimmed
    public void ShouldRetry_ResponseStatus(string retryOn, int status, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.Equal(expected, RetryConditions.Parse(retryOn).ShouldRetry(response));
    }

    [Theory]
    [InlineData("cancelled", "1", true)]
    [InlineData("deadline-exceeded", "4", true)]
    [InlineData("resource-exhausted", "8", true)]
    [InlineData("internal", "13", true)]
    [InlineData("unavailable", "14", true)]
    [InlineData("unavailable", "13", false)]
    [InlineData("cancelled", "0", false)]
    [InlineData("cancelled,deadline-exceeded,internal,resource-exhausted,unavailable", "2", false)] // UNKNOWN is never retried
    [InlineData("5xx", "14", false)] // a 200 with grpc-status: the HTTP conditions do not look at it
    public void ShouldRetry_GrpcStatusHeader(string retryOn, string grpcStatus, bool expected)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("grpc-status", grpcStatus);

        Assert.Equal(expected, RetryConditions.Parse(retryOn).ShouldRetry(response));
    }

    [Fact]
    public void ShouldRetry_GrpcConditionWithoutGrpcStatus_NoRetry()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        Assert.False(RetryConditions.Parse("unavailable,cancelled").ShouldRetry(response));
    }

    /// <summary>
    /// Envoy's RetryStateImpl::wouldRetryFromReset: a connect failure is retried under connect-failure,
    /// a refused stream under refused-stream, and any reset, connect failure or refused stream under
    /// reset, 5xx or gateway-error (a reset turns into a 503). A per-try timeout resets the stream,
    /// so it is retried under reset, 5xx or gateway-error only.
    /// </summary>
    [Theory]
    [InlineData("connect-failure", "ConnectFailure", true)]
    [InlineData("connect-failure", "Reset", false)]
    [InlineData("connect-failure", "RefusedStream", false)]
    [InlineData("connect-failure", "PerTryTimeout", false)]
    [InlineData("refused-stream", "RefusedStream", true)]
    [InlineData("refused-stream", "ConnectFailure", false)]
    [InlineData("refused-stream", "Reset", false)]
    [InlineData("refused-stream", "PerTryTimeout", false)]
    [InlineData("reset", "Reset", true)]
    [InlineData("reset", "ConnectFailure", true)]
    [InlineData("reset", "RefusedStream", true)]
    [InlineData("reset", "PerTryTimeout", true)]
    [InlineData("5xx", "Reset", true)]
    [InlineData("5xx", "ConnectFailure", true)]
    [InlineData("5xx", "RefusedStream", true)]
    [InlineData("5xx", "PerTryTimeout", true)]
    [InlineData("gateway-error", "Reset", true)]
    [InlineData("gateway-error", "ConnectFailure", true)]
    [InlineData("gateway-error", "RefusedStream", true)]
    [InlineData("gateway-error", "PerTryTimeout", true)]
    [InlineData("retriable-4xx,503,unavailable,cancelled", "Reset", false)]
    [InlineData("retriable-4xx,503,unavailable,cancelled", "ConnectFailure", false)]
    [InlineData("retriable-4xx,503,unavailable,cancelled", "PerTryTimeout", false)]
    [InlineData("5xx", "None", false)]
    public void ShouldRetry_Failure(string retryOn, string failure, bool expected)
    {
        // The failure kind is internal, so the theory names it.
        Assert.Equal(expected, RetryConditions.Parse(retryOn).ShouldRetry(Enum.Parse<UpstreamFailure>(failure)));
    }

    [Theory]
    [InlineData(503, false)] // Istio 1.24+: no status code in the default
    [InlineData(500, false)]
    [InlineData(502, false)]
    [InlineData(504, false)]
    [InlineData(409, false)]
    public void IstioDefault_RetriesNoStatus(int status, bool expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.Equal(expected, RetryConditions.IstioDefault.ShouldRetry(response));
    }

    [Theory]
    [InlineData("ConnectFailure", true)]
    [InlineData("RefusedStream", true)]
    [InlineData("Reset", false)]
    [InlineData("PerTryTimeout", false)]
    public void IstioDefault_ConnectFailureAndRefusedStream(string failure, bool expected)
    {
        Assert.Equal(expected, RetryConditions.IstioDefault.ShouldRetry(Enum.Parse<UpstreamFailure>(failure)));
    }

    [Theory]
    [InlineData("14", true)]  // unavailable
    [InlineData("1", true)]   // cancelled
    [InlineData("4", false)]  // deadline-exceeded is not in Istio's default
    public void IstioDefault_GrpcUnavailableAndCancelled(string grpcStatus, bool expected)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("grpc-status", grpcStatus);

        Assert.Equal(expected, RetryConditions.IstioDefault.ShouldRetry(response));
    }

    [Theory]
    [InlineData("5xx,bogus", "bogus")]
    [InlineData("5XX", "5XX")] // tokens are case-sensitive, as in Envoy
    [InlineData("99", "99")]
    [InlineData("600", "600")]
    [InlineData("+503", "+503")]
    [InlineData("5xx;reset", "5xx;reset")]
    public void TryParse_UnknownToken_NamesIt(string retryOn, string bad)
    {
        Assert.False(RetryConditions.TryParse(retryOn, out _, out var named));
        Assert.Equal(bad, named);
        Assert.Equal($"'{bad}' is not a retry condition", Assert.Throws<FormatException>(() => RetryConditions.Parse(retryOn)).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,")]
    public void TryParse_NoTokens_RetriesNothing(string retryOn)
    {
        Assert.True(RetryConditions.TryParse(retryOn, out var conditions, out _));
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.False(conditions.ShouldRetry(response));
        Assert.False(conditions.ShouldRetry(UpstreamFailure.ConnectFailure));
    }
}
