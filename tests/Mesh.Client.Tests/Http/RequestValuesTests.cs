namespace Mesh.Http.Tests;

public class RequestValuesTests
{
    [Fact]
    public void TryGetHeader_SeveralValues_JoinedAsOnTheWire()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews/");
        request.Headers.TryAddWithoutValidation("x-tag", ["a", "b"]);

        Assert.True(RequestValues.TryGetHeader(request, "X-Tag", out var value));
        Assert.Equal("a, b", value);
    }

    [Fact]
    public void TryGetHeader_ContentHeader_Found()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews/") { Content = new StringContent("{}") };

        Assert.True(RequestValues.TryGetHeader(request, "content-type", out var value));
        Assert.Equal("text/plain; charset=utf-8", value);
    }

    [Theory]
    [InlineData("session=abc", "abc")]
    [InlineData("a=1; session=abc; b=2", "abc")]
    [InlineData("a=1;session=\"abc\"", "abc")]
    [InlineData("mysession=x; session=abc", "abc")]
    [InlineData("sessions=x", "")]
    [InlineData("a=1", "")]
    public void Cookie_FindsTheNamedCookie(string header, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews/");
        request.Headers.TryAddWithoutValidation("Cookie", header);

        Assert.Equal(expected, RequestValues.Cookie(request, "session").ToString());
    }

    [Theory]
    [InlineData("http://reviews/?user=jason", true, "jason")]
    [InlineData("http://reviews/?a=1&user=jason&b=2", true, "jason")]
    [InlineData("http://reviews/?user=", true, "")]
    [InlineData("http://reviews/?user", true, "")]
    [InlineData("http://reviews/?users=jason", false, "")]
    [InlineData("http://reviews/", false, "")]
    [InlineData("http://reviews/?user=a%20b", true, "a%20b")] // raw; the matcher decodes
    public void TryGetQueryParameter_FindsTheNamedParameter(string url, bool found, string expected)
    {
        Assert.Equal(found, RequestValues.TryGetQueryParameter(new Uri(url), "user", out var value));
        Assert.Equal(expected, value.ToString());
    }

    [Fact]
    public void TryGetQueryParameter_RelativeUri_NotFound()
    {
        Assert.False(RequestValues.TryGetQueryParameter(new Uri("/x?user=a", UriKind.Relative), "user", out _));
    }
}
