namespace Mesh.Http.Tests;

public class RequestValuesCanonicalHeaderNameTests
{
    [Theory]
    [InlineData("user-agent", "User-Agent")]
    [InlineData("COOKIE", "Cookie")]
    [InlineData("content-type", "Content-Type")]
    [InlineData("accept-encoding", "Accept-Encoding")]
    [InlineData("end-user", "end-user")]
    [InlineData("X-Canary", "X-Canary")]
    [InlineData("not a token", "not a token")]
    public void CanonicalHeaderName_AsHttpHeadersSpellsIt(string name, string expected)
    {
        Assert.Equal(expected, RequestValues.CanonicalHeaderName(name));
    }
}
