namespace Bookinfo;

/// <summary>ratings: the star ratings of a book's reviews.</summary>
internal static class Ratings
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/ratings/{id:int}", (int id) => Results.Json(new RatingsResponse(id, new Dictionary<string, int> { ["Reviewer1"] = 5, ["Reviewer2"] = 4 })));
    }
}

internal sealed record RatingsResponse(int Id, Dictionary<string, int> Ratings);
