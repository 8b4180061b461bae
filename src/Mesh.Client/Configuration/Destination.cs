namespace Mesh.Configuration;

/// <summary>A destination service, optionally narrowed to a subset and a port.</summary>
internal sealed record Destination
{
    /// <summary>Gets the destination host, a short name or an FQDN.</summary>
    public required string Host { get; init; }

    /// <summary>Gets the subset name, which a DestinationRule for the host must define.</summary>
    public string? Subset { get; init; }

    /// <summary>Gets the destination port number.</summary>
    public int? Port { get; init; }
}
