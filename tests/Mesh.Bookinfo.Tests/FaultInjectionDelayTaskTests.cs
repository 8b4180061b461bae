using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>
/// The delay step of Istio's fault injection task (see <see cref="FaultInjectionTaskTests"/>), over HTTP and over gRPC: a class
/// of its own, so that its ~6 s waits run beside the other classes instead of after them.
/// </summary>
public sealed class FaultInjectionDelayTaskTests(BookinfoFixture fixture) : IClassFixture<BookinfoFixture>
{
    private const string ReviewsUnavailable = "Sorry, product reviews are currently unavailable for this book.";

    private const string FirstReview = "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing! Reviewer1";

    /// <summary>
    /// The task's 7 s delay meets the sample's timeouts, as in Istio: reviews v2 would wait up to 10 s
    /// for ratings, but productpage gives reviews 3 s and one retry, so after about 6 s jason's page
    /// says the reviews are unavailable (the bug the task sets out to find). Over gRPC, v2's 10 s is the call's
    /// deadline, with the same result. Takes ~6 s per protocol: the long tests.
    /// </summary>
    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task Delay_JasonsPageGivesUpOnReviewsAfterSixSeconds_OthersAreUnaffected(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        await bookinfo.WarmUpAsync();
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml", "virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml");

        var (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal("v1", BookinfoHarness.ServedBy(page));
        Assert.Equal(FirstReview, BookinfoHarness.ReviewText(page, 0));
        Assert.DoesNotContain("unavailable", BookinfoHarness.VisibleText(page), StringComparison.OrdinalIgnoreCase);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"an anonymous user's page took {elapsed.TotalSeconds:0.00} s; the delay is for jason only");

        await bookinfo.LoginAsync("jason");
        (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal($"Error fetching product reviews {ReviewsUnavailable}", BookinfoHarness.ReviewsText(page));
        Assert.Contains("Publisher: PublisherA", BookinfoHarness.DetailsText(page), StringComparison.Ordinal);
        Assert.True(
            elapsed >= TimeSpan.FromSeconds(5.9) && elapsed < TimeSpan.FromSeconds(9),
            $"jason's page took {elapsed.TotalSeconds:0.00} s; expected about 6 s (productpage's 3 s timeout, twice), not the 7 s delay");
    }
}
