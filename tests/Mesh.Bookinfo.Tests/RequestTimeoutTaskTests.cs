using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>
/// Istio's request timeouts task against Bookinfo in-process, and what the user sees on the page, with reviews
/// calling ratings over HTTP and over gRPC (the task's 2 s delay is then on the gRPC call).
/// </summary>
public sealed class RequestTimeoutTaskTests(BookinfoFixture fixture) : IClassFixture<BookinfoFixture>
{
    private const string TimeoutFile = "virtual-service-reviews-timeout.yaml";
    private const string TimeoutLine = "    timeout: 0.5s\n";

    /// <summary>
    /// The task's steps: reviews to v2 and a 2 s delay on ratings (the page shows v2's stars after
    /// 2 s); then a 0.5 s timeout on reviews: the page says the reviews are unavailable after about
    /// 1 s, not 0.5 s, as Istio's task explains, since productpage calls reviews twice. The mesh's
    /// timeout answers 504 each time, and its default retry policy does not retry it.
    /// </summary>
    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task Timeout_PageShowsReviewsUnavailableAfterAboutOneSecond_InsteadOfStarsAfterTwo(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        await bookinfo.WarmUpAsync();
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        var text = await File.ReadAllTextAsync(BookinfoHarness.NetworkingFile(TimeoutFile), TestContext.Current.CancellationToken);
        Assert.Contains(TimeoutLine, text, StringComparison.Ordinal);

        // Steps 1 to 3: v2 and the delay, without the timeout yet.
        await bookinfo.KubectlApplyTextAsync($"{TimeoutFile} without its timeout line", text.Replace(TimeoutLine, "", StringComparison.Ordinal));
        var (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal("v2", BookinfoHarness.ServedBy(page));
        Assert.EndsWith("Reviewer1 ★★★★★", BookinfoHarness.ReviewText(page, 0), StringComparison.Ordinal);
        Assert.EndsWith("Reviewer2 ★★★★☆", BookinfoHarness.ReviewText(page, 1), StringComparison.Ordinal);
        Assert.Contains("class=\"stars-black\"", page, StringComparison.Ordinal);
        Assert.True(
            elapsed >= TimeSpan.FromSeconds(1.95) && elapsed < TimeSpan.FromSeconds(2.9),
            $"the page took {elapsed.TotalSeconds:0.00} s; expected about 2 s (ratings' delay)");

        // Step 4: the 0.5 s timeout on reviews.
        await bookinfo.KubectlApplyAsync(TimeoutFile);
        (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal("Error fetching product reviews Sorry, product reviews are currently unavailable for this book.", BookinfoHarness.ReviewsText(page));
        Assert.Contains("Publisher: PublisherA", BookinfoHarness.DetailsText(page), StringComparison.Ordinal);
        Assert.True(
            elapsed >= TimeSpan.FromSeconds(0.95) && elapsed < TimeSpan.FromSeconds(1.8),
            $"the page took {elapsed.TotalSeconds:0.00} s; expected about 1 s (the route's 0.5 s timeout, on each of productpage's two calls)");
    }
}
