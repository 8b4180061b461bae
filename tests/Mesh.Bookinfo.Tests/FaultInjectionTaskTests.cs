using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>
/// Istio's fault injection task against Bookinfo in-process: the files applied as the task applies
/// them (kubectl apply, file after file), and what the user sees on the page; each with reviews calling
/// ratings over HTTP and over gRPC (<c>--ratings-protocol grpc</c>), where the user must see the same.
/// One Bookinfo per protocol for the class.
/// </summary>
public sealed class FaultInjectionTaskTests(BookinfoFixture fixture) : IClassFixture<BookinfoFixture>
{
    private const string RatingsUnavailable = "Ratings service is currently unavailable";
    private const string ReviewsUnavailable = "Sorry, product reviews are currently unavailable for this book.";

    private static readonly string[] ReviewTexts =
    [
        "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing! Reviewer1",
        "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare. Reviewer2",
    ];

    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task Abort_JasonSeesRatingsUnavailableUnderEachReview_OthersSeeV1(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        var calls = (bookinfo.RatingsCalls.Http, bookinfo.RatingsCalls.Grpc);
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

        // The mesh in reviews answered jason's call with the fault: ratings never saw it, over either protocol.
        Assert.Equal(calls, (bookinfo.RatingsCalls.Http, bookinfo.RatingsCalls.Grpc));
    }

    /// <summary>
    /// Not a step of Istio's task: a ratings VirtualService that routes by the <c>end-user</c> header (gRPC metadata
    /// over gRPC): jason's calls reach ratings (reviews v2, black stars), everyone else's get a 503 abort
    /// (reviews v3, the error under each review). Over gRPC the route sends to ratings' gRPC port, which its
    /// destination does not name: the call's port (9090) decides.
    /// </summary>
    [Theory]
    [InlineData(BookinfoOptions.Http)]
    [InlineData(BookinfoOptions.Grpc)]
    public async Task RatingsRoutedByEndUser_JasonSeesStars_OthersSeeRatingsUnavailable(string ratingsProtocol)
    {
        var bookinfo = await fixture.GetAsync(ratingsProtocol);
        await bookinfo.KubectlApplyAsync("destination-rule-all.yaml", "virtual-service-all-v1.yaml", "virtual-service-reviews-jason-v2-v3.yaml");
        await bookinfo.KubectlApplyTextAsync("ratings-by-end-user.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts:
              - ratings
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: ratings
                    subset: v1
              - fault:
                  abort:
                    percentage:
                      value: 100
                    httpStatus: 503
                route:
                - destination:
                    host: ratings
                    subset: v1
            """);

        var calls = (bookinfo.RatingsCalls.Http, bookinfo.RatingsCalls.Grpc);
        await bookinfo.LoginAsync("jason");
        var page = await bookinfo.GetPageAsync();
        Assert.Equal("v2", BookinfoHarness.ServedBy(page));
        Assert.Equal($"{ReviewTexts[0]} ★★★★★", BookinfoHarness.ReviewText(page, 0));
        Assert.Equal($"{ReviewTexts[1]} ★★★★☆", BookinfoHarness.ReviewText(page, 1));
        Assert.Contains("class=\"stars-black\"", page, StringComparison.Ordinal);

        // ratings answered jason's call over the protocol reviews was started with, and only that one.
        var grpc = ratingsProtocol == BookinfoOptions.Grpc ? 1 : 0;
        Assert.Equal((calls.Http + 1 - grpc, calls.Grpc + grpc), (bookinfo.RatingsCalls.Http, bookinfo.RatingsCalls.Grpc));

        await bookinfo.LogoutAsync();
        page = await bookinfo.GetPageAsync();
        Assert.Equal("v3", BookinfoHarness.ServedBy(page));
        Assert.Equal($"{ReviewTexts[0]} {RatingsUnavailable}", BookinfoHarness.ReviewText(page, 0));
        Assert.Equal($"{ReviewTexts[1]} {RatingsUnavailable}", BookinfoHarness.ReviewText(page, 1));
        Assert.Equal((calls.Http + 1 - grpc, calls.Grpc + grpc), (bookinfo.RatingsCalls.Http, bookinfo.RatingsCalls.Grpc));
    }

    /// <summary>Not a step of Istio's task: the page's other unavailable messages, with aborts on details and reviews.</summary>
    [Fact]
    public async Task AbortOnDetailsAndReviews_PageShowsEachUnavailableMessage()
    {
        var bookinfo = await fixture.GetAsync(BookinfoOptions.Http);
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

        Assert.Equal("Error fetching product details Sorry, product details are currently unavailable for this book.", BookinfoHarness.DetailsText(page));
        Assert.Equal($"Error fetching product reviews {ReviewsUnavailable}", BookinfoHarness.ReviewsText(page));
    }
}
