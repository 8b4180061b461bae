using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>Istio's request-routing walkthrough, file by file, against Bookinfo in-process (one Bookinfo per ratings protocol for the class).</summary>
public sealed class WalkthroughTests(BookinfoFixture fixture) : IClassFixture<BookinfoFixture>
{
    [Fact]
    public async Task NoRules_RoundRobinsOverEveryReviewsVersion()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);

        var served = await bookinfo.LoadPagesAsync(30);

        Assert.Equal(["v1", "v2", "v3"], served.Keys.Order());
        Assert.All(served.Values, count => Assert.Equal(10, count));
    }

    [Fact]
    public async Task AllV1_EveryPageShowsV1()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");

        var served = await bookinfo.LoadPagesAsync(50);

        Assert.Equal(new Dictionary<string, int> { ["v1"] = 50 }, served);
    }

    [Fact]
    public async Task Reviews50V3_SplitsBetweenV1AndV3()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-50-v3.yaml");

        var served = await bookinfo.LoadPagesAsync(200);

        // 50% ± 15 of 200 loads: a binomial(200, 0.5) lands outside 70..130 with probability < 1e-5.
        Assert.Equal(["v1", "v3"], served.Keys.Order());
        Assert.InRange(served["v1"], 70, 130);
        Assert.InRange(served["v3"], 70, 130);
    }

    [Theory]
    [InlineData("virtual-service-reviews-90-10.yaml", "v1", 90, "v2")]
    [InlineData("virtual-service-reviews-80-20.yaml", "v1", 80, "v2")]
    public async Task WeightedFiles_SplitByTheirWeights(string file, string major, int majorPercent, string minor)
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", file);

        var served = await bookinfo.LoadPagesAsync(200);

        Assert.Subset(new HashSet<string> { major, minor }, served.Keys.ToHashSet());
        Assert.InRange(served.GetValueOrDefault(major), (majorPercent - 15) * 2, (majorPercent + 15) * 2);
    }

    [Fact]
    public async Task ReviewsV3_EveryPageShowsRedStars()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-v3.yaml");

        for (var i = 0; i < 10; i++)
        {
            var page = await bookinfo.GetPageAsync();
            Assert.Equal("v3", BookinfoHarness.ServedBy(page));
            Assert.Contains("class=\"stars-red\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("class=\"stars-black\"", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TestV2_JasonSeesV2AndEveryoneElseV1()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-test-v2.yaml");

        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, await bookinfo.LoadPagesAsync(20));

        await bookinfo.LoginAsync("jason");
        var page = await bookinfo.GetPageAsync();
        Assert.Contains("<span id=\"user\">jason</span>", page, StringComparison.Ordinal);
        Assert.Contains("class=\"stars-black\"", page, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["v2"] = 20 }, await bookinfo.LoadPagesAsync(20));

        await bookinfo.LoginAsync("mary");
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, await bookinfo.LoadPagesAsync(20));

        await bookinfo.LogoutAsync();
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, await bookinfo.LoadPagesAsync(20));
    }

    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task JasonV2V3_JasonSeesV2AndEveryoneElseV3(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-jason-v2-v3.yaml");

        Assert.Equal(new Dictionary<string, int> { ["v3"] = 20 }, await bookinfo.LoadPagesAsync(20));
        Assert.EndsWith("Reviewer1 ★★★★★", BookinfoHarness.ReviewText(await bookinfo.GetPageAsync(), 0), StringComparison.Ordinal);
        await bookinfo.LoginAsync("jason");
        Assert.Equal(new Dictionary<string, int> { ["v2"] = 20 }, await bookinfo.LoadPagesAsync(20));
        var page = await bookinfo.GetPageAsync();
        Assert.EndsWith("Reviewer2 ★★★★☆", BookinfoHarness.ReviewText(page, 1), StringComparison.Ordinal);
        Assert.Contains("class=\"stars-black\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadDocument_IsRejectedAndRoutingStaysAsItWas()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        var productpage = BookinfoHarness.Provider(bookinfo.App.ProductPage);
        var version = productpage.Current.Version;
        var rejected = productpage.RejectedUpdates;

        // Istio's test-v2 file with a stray dot in a subset name.
        var text = await File.ReadAllTextAsync(BookinfoHarness.NetworkingFile("virtual-service-reviews-test-v2.yaml"), TestContext.Current.CancellationToken);
        var bad = text.Replace("subset: v1", "subset: v1.", StringComparison.Ordinal);
        Assert.NotEqual(text, bad);
        bookinfo.WriteAtomically("virtual-service-all-v1.yaml", bad);
        await BookinfoHarness.WaitForAsync(() => productpage.RejectedUpdates > rejected, "productpage to reject the document with subset 'v1.'");

        var error = Assert.Single(productpage.LastRejection!.Errors);
        Assert.Contains("VirtualService", error.Document, StringComparison.Ordinal);
        Assert.Equal("spec.http[1].route[0].destination.subset", error.Path);
        Assert.Contains("'v1.' is not defined by any DestinationRule for host 'reviews'", error.Message, StringComparison.Ordinal);
        Assert.Equal(version, productpage.Current.Version);

        await bookinfo.LoginAsync("jason");
        Assert.Equal(new Dictionary<string, int> { ["v1"] = 20 }, await bookinfo.LoadPagesAsync(20));
    }

    [Fact]
    public async Task ReviewsApi_ReturnsTheReviewsAndTheServingInstance()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
        await bookinfo.ApplyAsync("destination-rule-all.yaml", "virtual-service-reviews-v3.yaml");

        using var response = await bookinfo.Browser.GetAsync("api/v1/products/0/reviews", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        var v3 = bookinfo.App.Instances.Single(i => i.Service == "reviews" && i.Version == "v3");
        Assert.Equal(v3.InstanceId, json.GetProperty("podname").GetString());
        var reviews = json.GetProperty("reviews");
        Assert.Equal(2, reviews.GetArrayLength());
        Assert.Equal("red", reviews[0].GetProperty("rating").GetProperty("color").GetString());
        Assert.Equal(5, reviews[0].GetProperty("rating").GetProperty("stars").GetInt32());
    }

    [Fact]
    public async Task ProductPage_ShowsDetailsFromTheDetailsService()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);

        var page = await bookinfo.GetPageAsync();

        Assert.Contains("<dt>ISBN-10:</dt><dd>1234567890</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dt>Publisher:</dt><dd>PublisherA</dd>", page, StringComparison.Ordinal);
    }
}
