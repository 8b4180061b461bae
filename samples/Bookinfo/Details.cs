using System.Text.Json.Serialization;

namespace Bookinfo;

/// <summary>details: the book's details.</summary>
internal static class Details
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/details/{id:int}", (int id) => Results.Json(new BookDetails(id, "William Shakespeare", 1595, "paperback", 200, "PublisherA", "English", "1234567890", "123-1234567890")));
    }
}

internal sealed record BookDetails(
    int Id,
    string Author,
    int Year,
    string Type,
    int Pages,
    string Publisher,
    string Language,
    [property: JsonPropertyName("ISBN-10")] string Isbn10,
    [property: JsonPropertyName("ISBN-13")] string Isbn13);
