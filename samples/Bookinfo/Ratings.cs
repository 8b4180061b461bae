namespace Bookinfo;

/// <summary>ratings: the star ratings of a book's reviews, over HTTP (<c>GET /ratings/{id}</c>) and gRPC (<c>bookinfo.ratings.v1.Ratings</c>).</summary>
internal static class Ratings
{
    /// <summary>The service port of ratings' gRPC API, as callers name it (<c>http://ratings:9090</c>); HTTP is on 9080.</summary>
    public const int GrpcServicePort = 9090;

    /// <summary>The name of ratings' gRPC port (Istio reads the protocol from the prefix).</summary>
    public const string GrpcPortName = "grpc-ratings";

    public static Dictionary<string, int> For(int id) => new() { ["Reviewer1"] = 5, ["Reviewer2"] = 4 };

    public static void Map(WebApplication app)
    {
        app.MapGet("/ratings/{id:int}", (int id, RatingsCalls calls) =>
        {
            calls.CountHttp();
            return Results.Json(new RatingsResponse(id, For(id)));
        });
        app.MapGrpcService<RatingsGrpcService>();
    }
}

internal sealed record RatingsResponse(int Id, Dictionary<string, int> Ratings);
