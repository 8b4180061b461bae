namespace Mesh.Configuration;

/// <summary>Consistent-hash (ring hash) load balancing on one request property.</summary>
internal sealed record ConsistentHashLB
{
    /// <summary>Gets the header whose value is hashed.</summary>
    public string? HttpHeaderName { get; init; }

    /// <summary>Gets the cookie whose value is hashed.</summary>
    public HttpCookie? HttpCookie { get; init; }

    /// <summary>Gets a value indicating whether the source IP is hashed.</summary>
    public bool UseSourceIp { get; init; }

    /// <summary>Gets the query parameter whose value is hashed.</summary>
    public string? HttpQueryParameterName { get; init; }

    /// <summary>Gets the minimum number of entries on the ring (ringHash.minimumRingSize or the older minimumRingSize).</summary>
    public long? MinimumRingSize { get; init; }
}
