using System.Net.Http.Headers;
using Mesh.Configuration;

namespace Mesh.Routing.Tests;

public class HeaderMutationTests
{
    [Fact]
    public void Create_NoOperations_Null()
    {
        Assert.Null(HeaderMutation.Create(null));
        Assert.Null(HeaderMutation.Create(new HeaderOperations()));
    }

    [Fact]
    public void Apply_RemoveSetAdd_InThatOrder()
    {
        var mutation = Mutation(
            set: new() { ["x-a"] = "set" },
            add: new() { ["x-a"] = "added", ["x-b"] = "added" },
            remove: ["x-a", "x-b"]);
        using var request = new HttpRequestMessage();
        request.Headers.Add("x-a", "original");
        request.Headers.Add("x-b", "original");

        mutation.Apply(request.Headers, request.Content?.Headers);

        Assert.Equal(["set", "added"], request.Headers.GetValues("x-a"));
        Assert.Equal(["added"], request.Headers.GetValues("x-b"));
    }

    [Fact]
    public void Apply_RemoveResponseHeaderWithContent_RemovedWithoutThrowing()
    {
        // Istio's own example (response.remove: [server]) used to throw "Misused header name" on the content headers.
        var mutation = Mutation(remove: ["server", "x-powered-by"]);
        using var response = new HttpResponseMessage { Content = new StringContent("body") };
        response.Headers.Add("server", "envoy");
        response.Headers.Add("x-powered-by", "php");

        mutation.Apply(response.Headers, response.Content.Headers);

        Assert.False(response.Headers.Contains("server"));
        Assert.False(response.Headers.Contains("x-powered-by"));
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public void Apply_RemoveContentHeader_RemovedFromTheContent()
    {
        var mutation = Mutation(remove: ["content-language", "Content-Type"]);
        using var response = new HttpResponseMessage { Content = new StringContent("body") };
        response.Content.Headers.ContentLanguage.Add("en");

        mutation.Apply(response.Headers, response.Content.Headers);

        Assert.Empty(response.Content.Headers.ContentLanguage);
        Assert.Null(response.Content.Headers.ContentType);
    }

    [Fact]
    public void Apply_RemoveRequestHeaderWithBody_RemovedWithoutThrowing()
    {
        var mutation = Mutation(remove: ["user-agent"]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews/") { Content = new StringContent("{}") };
        request.Headers.UserAgent.ParseAdd("test/1.0");

        mutation.Apply(request.Headers, request.Content.Headers);

        Assert.Empty(request.Headers.UserAgent);
    }

    [Fact]
    public void Apply_SetContentTypeWithBody_ReplacesTheContentType()
    {
        var mutation = Mutation(set: new() { ["content-type"] = "application/json" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://reviews/") { Content = new StringContent("{}") };

        mutation.Apply(request.Headers, request.Content.Headers);

        Assert.Equal(new MediaTypeHeaderValue("application/json"), request.Content.Headers.ContentType);
    }

    [Fact]
    public void Apply_SetContentTypeWithoutBody_IgnoredWithoutThrowing()
    {
        var mutation = Mutation(set: new() { ["content-type"] = "application/json" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews/");

        mutation.Apply(request.Headers, request.Content?.Headers);

        Assert.False(request.Headers.NonValidated.Contains("content-type"));
    }

    private static HeaderMutation Mutation(Dictionary<string, string>? set = null, Dictionary<string, string>? add = null, string[]? remove = null) =>
        HeaderMutation.Create(new HeaderOperations { Set = set ?? [], Add = add ?? [], Remove = remove ?? [] })!;
}
