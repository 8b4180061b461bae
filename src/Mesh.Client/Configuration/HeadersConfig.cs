namespace Mesh.Configuration;

/// <summary>Header manipulations for requests and responses.</summary>
internal sealed record HeadersConfig
{
    /// <summary>Gets the operations on the request headers.</summary>
    public HeaderOperations? Request { get; init; }

    /// <summary>Gets the operations on the response headers.</summary>
    public HeaderOperations? Response { get; init; }
}
