using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bookinfo;

/// <summary>productpage: renders the book page from details and reviews; login sets the user sent as end-user.</summary>
internal static class ProductPage
{
    public const string UserCookie = "user";
    public const string ReviewsUnavailable = "Sorry, product reviews are currently unavailable for this book.";
    public const string DetailsUnavailable = "Sorry, product details are currently unavailable for this book.";

    /// <summary>What Istio's page shows in place of the "Book Details" heading when the call to details failed (any failure: a 403, a 503, a timeout).</summary>
    public const string DetailsError = "Error fetching product details";

    /// <summary>What Istio's page shows in place of the "Book Reviews" heading when both calls to reviews failed.</summary>
    public const string ReviewsError = "Error fetching product reviews";

    /// <summary>productpage's own timeout for each call to details and reviews (Istio's productpage: 3 s).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How many times productpage calls reviews before it gives up (Istio's productpage: 2, one retry).</summary>
    public const int ReviewsAttempts = 2;

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect("/productpage"));
        app.MapGet("/productpage", async (HttpContext context, IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            var user = context.Request.Cookies[UserCookie];
            var details = await GetDetailsAsync(clients, 0, user, cancellationToken);
            var reviews = await GetReviewsAsync(clients, 0, user, cancellationToken);
            return Results.Content(Render(user, details, reviews), "text/html; charset=utf-8");
        });
        app.MapPost("/login", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var user = form["username"].ToString().Trim();
            if (user.Length > 0)
            {
                context.Response.Cookies.Append(UserCookie, user, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/" });
            }

            return Results.Redirect("/productpage");
        });
        app.MapGet("/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(UserCookie, new CookieOptions { Path = "/" });
            return Results.Redirect("/productpage");
        });
        app.MapGet("/api/v1/products", () => Results.Json(new[] { new { id = 0, title = "The Comedy of Errors", descriptionHtml = Summary } }));
        app.MapGet("/api/v1/products/{id:int}/reviews", async (int id, HttpContext context, IHttpClientFactory clients, CancellationToken cancellationToken) =>
        {
            var reviews = await GetReviewsAsync(clients, id, context.Request.Cookies[UserCookie], cancellationToken);
            return reviews is null ? Results.Json(new { error = ReviewsUnavailable }, statusCode: 503) : Results.Json(reviews);
        });
    }

    private const string Summary = "<a href=\"https://en.wikipedia.org/wiki/The_Comedy_of_Errors\">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.";

    /// <summary>
    /// Gets the book's details: one call, with productpage's own 3 s timeout (as Istio's productpage:
    /// <c>requests.get(url, timeout=3.0)</c>); null when it fails, times out, or answers other than 200.
    /// </summary>
    private static Task<BookDetails?> GetDetailsAsync(IHttpClientFactory clients, int id, string? user, CancellationToken cancellationToken) =>
        TryGetAsync<BookDetails>(clients, "details", $"http://details:9080/details/{id}", user, cancellationToken);

    /// <summary>
    /// Gets the book's reviews: up to <see cref="ReviewsAttempts"/> calls of <see cref="CallTimeout"/> each, as
    /// Istio's productpage does (on purpose: the fault injection task is about this), so it gives up
    /// after 3 s × 2 = 6 s whatever reviews' own timeouts are. This is the application's own timeout
    /// and retry, in the sample's code; the mesh's route timeout and retries come on top.
    /// </summary>
    private static async Task<ReviewsResponse?> GetReviewsAsync(IHttpClientFactory clients, int id, string? user, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= ReviewsAttempts; attempt++)
        {
            if (await TryGetAsync<ReviewsResponse>(clients, "reviews", $"http://reviews:9080/reviews/{id}", user, cancellationToken) is { } reviews)
            {
                return reviews;
            }
        }

        return null;
    }

    /// <summary>One call with a <see cref="CallTimeout"/> timeout: the answer when it is a 200 with a body that parses, else null.</summary>
    private static async Task<T?> TryGetAsync<T>(IHttpClientFactory clients, string name, string url, string? user, CancellationToken cancellationToken)
        where T : class
    {
        var client = clients.CreateClient(name);
        client.Timeout = CallTimeout;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(user))
        {
            request.Headers.TryAddWithoutValidation(Headers.EndUser, user);
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<T>(cancellationToken) : null;
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException or JsonException) && !cancellationToken.IsCancellationRequested)
        {
            // Failed, timed out (HttpClient.Timeout), or answered something that is not the JSON expected;
            // the browser going away (cancellationToken) is not a failure to report, so it propagates.
            return null;
        }
    }

    private static string Render(string? user, BookDetails? details, ReviewsResponse? reviews)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder();
        page.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Simple Bookstore App</title>
            <style>
              body { font-family: sans-serif; margin: 0; }
              nav { background: #222; color: #eee; padding: 10px 20px; display: flex; justify-content: space-between; align-items: center; }
              nav form { display: inline; } main { padding: 20px; }
              .columns { display: flex; gap: 40px; } .columns > section { flex: 1; }
              blockquote { border-left: 4px solid #ccc; margin: 0 0 16px; padding: 4px 12px; }
              .stars-black { color: black; } .stars-red { color: red; } .served { color: #666; font-size: 0.9em; }
              .error { color: #a00; }
            </style></head><body>
            <nav><span>BookInfo Sample</span><span>
            """);
        if (string.IsNullOrEmpty(user))
        {
            page.Append("""<form method="post" action="/login"><input name="username" placeholder="User Name" aria-label="User Name"> <input type="password" name="passwd" placeholder="Password" aria-label="Password"> <button type="submit">Sign in</button></form>""");
        }
        else
        {
            page.Append(CultureInfo.InvariantCulture, $"""<span id="user">{html.Encode(user)}</span> <a href="/logout" style="color:#eee">sign out</a>""");
        }

        page.Append("</span></nav><main>");
        page.Append(CultureInfo.InvariantCulture, $"<h1>The Comedy of Errors</h1><p>{Summary}</p><div class=\"columns\"><section id=\"details\">");

        // As Istio's page: the heading, or in its place the error and what productpage says about it.
        if (details is null)
        {
            page.Append(CultureInfo.InvariantCulture, $"<h2 class=\"error\">{DetailsError}</h2><p>{DetailsUnavailable}</p>");
        }
        else
        {
            page.Append(CultureInfo.InvariantCulture, $"<h2>Book Details</h2><dl><dt>Type:</dt><dd>{html.Encode(details.Type)}</dd><dt>Pages:</dt><dd>{details.Pages}</dd><dt>Publisher:</dt><dd>{html.Encode(details.Publisher)}</dd><dt>Language:</dt><dd>{html.Encode(details.Language)}</dd><dt>ISBN-10:</dt><dd>{html.Encode(details.Isbn10)}</dd><dt>ISBN-13:</dt><dd>{html.Encode(details.Isbn13)}</dd></dl>");
        }

        page.Append("</section><section id=\"reviews\">");
        if (reviews is null)
        {
            page.Append(CultureInfo.InvariantCulture, $"<h2 class=\"error\">{ReviewsError}</h2><p>{ReviewsUnavailable}</p>");
        }
        else
        {
            page.Append("<h2>Book Reviews</h2>");
            foreach (var review in reviews.Reviews)
            {
                page.Append(CultureInfo.InvariantCulture, $"<blockquote><p>{html.Encode(review.Text)}</p><small>{html.Encode(review.Reviewer)}</small>");

                // As Istio's page: a review's stars, or the error reviews gave for that review.
                if (review.Rating is { Error: { } error })
                {
                    page.Append(CultureInfo.InvariantCulture, $"<p class=\"error\"><i>{html.Encode(error)}</i></p>");
                }
                else if (review.Rating is { Stars: { } stars, Color: { } color })
                {
                    stars = Math.Clamp(stars, 0, 5);
                    page.Append(CultureInfo.InvariantCulture, $"<p class=\"stars-{html.Encode(color)}\" aria-label=\"{stars} {html.Encode(color)} stars\">{new string('★', stars)}{new string('☆', 5 - stars)}</p>");
                }

                page.Append("</blockquote>");
            }

            page.Append(CultureInfo.InvariantCulture, $"<p class=\"served\" id=\"served-by\">Reviews served by: {html.Encode(reviews.Podname)}</p>");
        }

        page.Append("</section></div></main></body></html>");
        return page.ToString();
    }
}
