using Mesh.Hosting;
using Microsoft.Extensions.Options;

namespace Bookinfo;

/// <summary>reviews: v1 shows no stars; v2 calls ratings and shows black stars; v3 red stars.</summary>
internal static class Reviews
{
    public const string RatingsUnavailable = "Ratings service is currently unavailable";

    private static readonly (string Reviewer, string Text)[] Texts =
    [
        ("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
        ("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."),
    ];

    public static void Map(WebApplication app, string version)
    {
        app.Services.GetRequiredService<IHttpClientFactory>();
        app.MapGet("/reviews/{id:int}", async (int id, HttpRequest request, IHttpClientFactory clients, IOptions<MeshOptions> mesh, CancellationToken cancellationToken) =>
        {
            var color = version switch { "v2" => "black", "v3" => "red", _ => null };
            RatingsResponse? ratings = null;
            string? ratingsError = null;
            if (color is not null)
            {
                try
                {
                    var client = clients.CreateClient("ratings");
                    using var call = new HttpRequestMessage(HttpMethod.Get, $"http://ratings:9080/ratings/{id}");
                    Headers.Forward(request, call);
                    using var response = await client.SendAsync(call, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    ratings = await response.Content.ReadFromJsonAsync<RatingsResponse>(cancellationToken);
                }
                catch (HttpRequestException)
                {
                    ratingsError = RatingsUnavailable;
                }
            }

            var reviews = Texts.Select(t => new Review(
                t.Reviewer,
                t.Text,
                color is null ? null : new ReviewRating(ratings?.Ratings.GetValueOrDefault(t.Reviewer), color, ratingsError)))
                .ToArray();
            return Results.Json(new ReviewsResponse(id.ToString(System.Globalization.CultureInfo.InvariantCulture), mesh.Value.InstanceId!, reviews));
        });
    }
}

internal sealed record ReviewsResponse(string Id, string Podname, Review[] Reviews);

internal sealed record Review(string Reviewer, string Text, ReviewRating? Rating);

internal sealed record ReviewRating(int? Stars, string Color, string? Error);
