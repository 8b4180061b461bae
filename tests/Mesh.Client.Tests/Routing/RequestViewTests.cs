using System.Net.Http.Headers;

namespace Mesh.Routing.Tests;

public class RequestViewTests
{
    [Fact]
    public void TryGetHeader_SameSlotTwice_ReadsTheRequestOnce()
    {
        using var request = RouteTables.Request("http://reviews:9080/", ("end-user", "jason"));
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("end-user", 0, out var first));
        Assert.True(view.TryGetHeader("end-user", 0, out var second));

        Assert.Equal(("jason", "jason"), (first, second));
        Assert.Equal(1, view.HeaderReads);
    }

    [Fact]
    public void TryGetHeader_AbsentHeader_IsCachedAsAbsent()
    {
        using var request = RouteTables.Request("http://reviews:9080/");
        var view = new RequestView(request);

        Assert.False(view.TryGetHeader("end-user", 3, out var first));
        Assert.False(view.TryGetHeader("end-user", 3, out var second));

        Assert.Equal(("", ""), (first, second));
        Assert.Equal(1, view.HeaderReads);
    }

    [Fact]
    public void TryGetHeader_PresentButEmpty_IsPresent()
    {
        using var request = RouteTables.Request("http://reviews:9080/", ("x-empty", ""));
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("x-empty", 0, out var value));
        Assert.True(view.TryGetHeader("x-empty", 0, out value));
        Assert.Equal("", value);
    }

    [Fact]
    public void TryGetHeader_SeveralValues_JoinedAsOnTheWire()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/");
        request.Headers.Add("x-tag", ["a", "b"]);
        request.Headers.Add("Cookie", ["session=1", "beta=1"]);
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("x-tag", 0, out var tags));
        Assert.True(view.TryGetHeader("Cookie", 1, out var cookies));

        Assert.Equal("a, b", tags);
        Assert.Equal("session=1; beta=1", cookies);
    }

    [Fact]
    public void TryGetHeader_ContentHeader_ReadFromTheContent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews:9080/") { Content = new StringContent("{}") };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("content-type", 0, out var value));

        Assert.Equal("application/json", value);
    }

    [Fact]
    public void TryGetHeader_RequestHeaderAndContentHeaderOfOneName_RequestHeaderWins()
    {
        using var request = RouteTables.Request("http://reviews:9080/", ("x-both", "request"));
        request.Content = new StringContent("");
        request.Content.Headers.TryAddWithoutValidation("x-both", "content");
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("x-both", 0, out var value));

        Assert.Equal("request", value);
    }

    [Theory]
    [InlineData(RequestView.NoSlot)]
    [InlineData(RequestView.HeaderSlotCount)]
    public void TryGetHeader_WithoutASlot_ReadsEveryTime(int slot)
    {
        using var request = RouteTables.Request("http://reviews:9080/", ("end-user", "jason"));
        var view = new RequestView(request);

        Assert.True(view.TryGetHeader("end-user", slot, out _));
        Assert.True(view.TryGetHeader("end-user", slot, out var value));

        Assert.Equal("jason", value);
        Assert.Equal(2, view.HeaderReads);
    }

    [Fact]
    public void TryGetHeader_DifferentSlots_KeepTheirOwnValues()
    {
        using var request = RouteTables.Request("http://reviews:9080/", ("a", "1"), ("b", "2"));
        var view = new RequestView(request);

        for (var slot = 0; slot < RequestView.HeaderSlotCount; slot++)
        {
            view.TryGetHeader(slot % 2 == 0 ? "a" : "b", slot, out _);
        }

        Assert.True(view.TryGetHeader("a", 14, out var a));
        Assert.True(view.TryGetHeader("b", 15, out var b));
        Assert.Equal(("1", "2"), (a, b));
        Assert.Equal(RequestView.HeaderSlotCount, view.HeaderReads);
    }

    [Fact]
    public void PathAndAuthority_AsTheRequestHasThem()
    {
        using var request = RouteTables.Request("http://reviews:9080/api/v1?x=1");
        var view = new RequestView(request);

        Assert.Equal("/api/v1", view.Path);
        Assert.Equal("reviews:9080", view.Authority);

        using var withHost = RouteTables.Request("http://reviews:9080/", ("Host", "reviews.example"));
        var hostView = new RequestView(withHost);
        Assert.Equal("reviews.example", hostView.Authority);
    }
}
