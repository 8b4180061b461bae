namespace Mesh.Bookinfo.Tests;

/// <summary>
/// Istio's fault injection task against Bookinfo in-process: the files applied as the task applies
/// them (kubectl apply, file after file), and what the user sees on the page.
/// </summary>
public sealed class FaultInjectionTaskTests
{
    private const string RatingsUnavailable = "Ratings service is currently unavailable";
    private const string ReviewsUnavailable = "Sorry, product reviews are currently unavailable for this book.";

    private static readonly string[] ReviewTexts =
    [
        "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing! Reviewer1",
        "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare. Reviewer2",
    ];

    [Fact]
    public async Task Abort_JasonSeesRatingsUnavailableUnderEachReview_OthersSeeV1()
    {
        await using var bookinfo = await BookinfoHarness.StartAsync();
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml", "virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml");

        // jason: reviews v2, whose call to ratings gets the fault's 500; each review says so instead of stars.
        await bookinfo.LoginAsync("jason");
        var page = await bookinfo.GetPageAsync();
        Assert.Equal("v2", BookinfoHarness.ServedBy(page));
        Assert.Equal($"{ReviewTexts[0]} {RatingsUnavailable}", BookinfoHarness.ReviewText(page, 0));
        Assert.Equal($"{ReviewTexts[1]} {RatingsUnavailable}", BookinfoHarness.ReviewText(page, 1));
        Assert.DoesNotContain("★", BookinfoHarness.ReviewsText(page), StringComparison.Ordinal);
        Assert.Contains("Publisher: PublisherA", BookinfoHarness.DetailsText(page), StringComparison.Ordinal);

        // Everyone else: reviews v1, which does not call ratings: no stars and no error.
        await bookinfo.LogoutAsync();
        page = await bookinfo.GetPageAsync();
        Assert.Equal("v1", BookinfoHarness.ServedBy(page));
        Assert.Equal(ReviewTexts[0], BookinfoHarness.ReviewText(page, 0));
        Assert.Equal(ReviewTexts[1], BookinfoHarness.ReviewText(page, 1));
        Assert.DoesNotContain("unavailable", BookinfoHarness.VisibleText(page), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The task's 7 s delay meets the sample's timeouts, as in Istio: reviews v2 would wait up to 10 s
    /// for ratings, but productpage gives reviews 3 s and one retry, so after about 6 s jason's page
    /// says the reviews are unavailable (the bug the task sets out to find). Takes ~6 s: the one long test.
    /// </summary>
    [Fact]
    public async Task Delay_JasonsPageGivesUpOnReviewsAfterSixSeconds_OthersAreUnaffected()
    {
        await using var bookinfo = await BookinfoHarness.StartAsync();
        await bookinfo.WarmUpAsync();
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml", "virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml");

        var (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal("v1", BookinfoHarness.ServedBy(page));
        Assert.Equal(ReviewTexts[0], BookinfoHarness.ReviewText(page, 0));
        Assert.DoesNotContain("unavailable", BookinfoHarness.VisibleText(page), StringComparison.OrdinalIgnoreCase);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"an anonymous user's page took {elapsed.TotalSeconds:0.00} s; the delay is for jason only");

        await bookinfo.LoginAsync("jason");
        (page, elapsed) = await bookinfo.GetTimedPageAsync();
        Assert.Equal($"Book Reviews {ReviewsUnavailable}", BookinfoHarness.ReviewsText(page));
        Assert.Contains("Publisher: PublisherA", BookinfoHarness.DetailsText(page), StringComparison.Ordinal);
        Assert.True(
            elapsed >= TimeSpan.FromSeconds(5.9) && elapsed < TimeSpan.FromSeconds(9),
            $"jason's page took {elapsed.TotalSeconds:0.00} s; expected about 6 s (productpage's 3 s timeout, twice), not the 7 s delay");
    }

    /// <summary>Not a step of Istio's task: the page's other unavailable messages, with aborts on details and reviews.</summary>
    [Fact]
    public async Task AbortOnDetailsAndReviews_PageShowsEachUnavailableMessage()
    {
        await using var bookinfo = await BookinfoHarness.StartAsync();
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml");
        await bookinfo.KubectlApplyTextAsync("abort-details-and-reviews.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: details
            spec:
              hosts:
              - details
              http:
              - fault:
                  abort:
                    percentage:
                      value: 100
                    httpStatus: 503
                route:
                - destination:
                    host: details
                    subset: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - fault:
                  abort:
                    percentage:
                      value: 100
                    httpStatus: 500
                route:
                - destination:
                    host: reviews
                    subset: v1
            """);

        var page = await bookinfo.GetPageAsync();

        Assert.Equal("Book Details Sorry, product details are currently unavailable for this book.", BookinfoHarness.DetailsText(page));
        Assert.Equal($"Book Reviews {ReviewsUnavailable}", BookinfoHarness.ReviewsText(page));
    }
}
