namespace Mesh.Configuration;

/// <summary>A cookie used as a consistent-hash key.</summary>
internal sealed record HttpCookie
{
    /// <summary>Gets the cookie's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the path set on a generated cookie.</summary>
    public string? Path { get; init; }

    /// <summary>Gets the lifetime of a generated cookie; when set, a missing cookie is generated.</summary>
    public TimeSpan? Ttl { get; init; }
}
