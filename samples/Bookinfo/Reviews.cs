using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bookinfo.RatingsV1;
using Grpc.Core;
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

    /// <summary>
    /// reviews' own timeout for its call to ratings, as Istio's reviews sets it: 10 s for v2 (black
    /// stars), 2.5 s for v3 (red stars). The fault-injection task's bug comes from v2's 10 s being
    /// longer than productpage's 3 s × 2 for reviews.
    /// </summary>
    public static TimeSpan RatingsTimeout(string color) => color == "black" ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(2.5);

    /// <summary>Adds reviews' client of ratings' gRPC API, a mesh channel to <c>http://ratings:9090</c>: the mesh sends each call to ratings' gRPC port.</summary>
    public static void AddRatingsGrpcClient(IServiceCollection services) =>
        services.AddGrpcClient<RatingsV1.Ratings.RatingsClient>(o => o.Address = new Uri($"http://ratings:{Bookinfo.Ratings.GrpcServicePort}")).AddMesh();

    public static void Map(WebApplication app, string version, string ratingsProtocol)
    {
        app.Services.GetRequiredService<IHttpClientFactory>();
        app.MapGet("/reviews/{id:int}", async (int id, HttpRequest request, IServiceProvider services, IOptions<MeshOptions> mesh, CancellationToken cancellationToken) =>
        {
            var color = version switch { "v2" => "black", "v3" => "red", _ => null };
            var ratings = color is null ? null
                : ratingsProtocol == BookinfoOptions.Grpc ? await GetRatingsOverGrpcAsync(services.GetRequiredService<RatingsV1.Ratings.RatingsClient>(), id, color, request, cancellationToken)
                : await GetRatingsAsync(services.GetRequiredService<IHttpClientFactory>(), id, color, request, cancellationToken);

            // As Istio's reviews: each review shows its stars, or the error when ratings gave none for its reviewer.
            var reviews = Texts.Select(t => new Review(
                t.Reviewer,
                t.Text,
                color is null ? null
                : ratings?.Ratings?.TryGetValue(t.Reviewer, out var stars) == true ? new ReviewRating(stars, color, null)
                : new ReviewRating(null, null, RatingsUnavailable)))
                .ToArray();
            return Results.Json(new ReviewsResponse(id.ToString(CultureInfo.InvariantCulture), mesh.Value.InstanceId!, reviews));
        });
    }

    /// <summary>Calls ratings with this version's timeout; null when it fails, times out, or answers other than 200 (a fault abort's 500 too).</summary>
    private static async Task<RatingsResponse?> GetRatingsAsync(IHttpClientFactory clients, int id, string color, HttpRequest incoming, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient("ratings");
        client.Timeout = RatingsTimeout(color);
        using var call = new HttpRequestMessage(HttpMethod.Get, $"http://ratings:9080/ratings/{id}");
        Headers.Forward(incoming, call);
        try
        {
            using var response = await client.SendAsync(call, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<RatingsResponse>(cancellationToken) : null;
        }
        catch (Exception ex) when ((ex is HttpRequestException or TaskCanceledException or JsonException) && !cancellationToken.IsCancellationRequested)
        {
            // Failed, timed out, or not the JSON expected. When productpage gave up on this request
            // (cancellationToken), the cancellation propagates: there is no one left to answer.
            return null;
        }
    }

    /// <summary>
    /// Calls ratings' gRPC API with this version's timeout as the call's deadline, and the forwarded headers as metadata
    /// (<c>end-user</c>, so Istio's ratings rules match it); null when the call fails, a fault abort's status too.
    /// </summary>
    private static async Task<RatingsResponse?> GetRatingsOverGrpcAsync(RatingsV1.Ratings.RatingsClient client, int id, string color, HttpRequest incoming, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetUtcNow().UtcDateTime + RatingsTimeout(color);
        try
        {
            var response = await client.GetRatingsAsync(new GetRatingsRequest { ProductId = id }, Headers.ToMetadata(incoming), deadline, cancellationToken);
            return new RatingsResponse(response.Id, new Dictionary<string, int>(response.Ratings));
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            // Failed (UNAVAILABLE, a fault's status) or past the deadline (DEADLINE_EXCEEDED). When productpage gave up
            // on this request (cancellationToken), the cancellation propagates, as over HTTP.
            return null;
        }
    }
}

internal sealed record ReviewsResponse(string Id, string Podname, Review[] Reviews);

internal sealed record Review(string Reviewer, string Text, ReviewRating? Rating);

/// <summary>A review's rating, as Istio's reviews writes it: <c>{"stars": 5, "color": "black"}</c> or <c>{"error": "Ratings service is currently unavailable"}</c>.</summary>
internal sealed record ReviewRating(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Stars,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Color,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
