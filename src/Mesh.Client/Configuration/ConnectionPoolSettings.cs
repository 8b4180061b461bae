namespace Mesh.Configuration;

/// <summary>Connection pool limits for a destination: TCP and HTTP settings.</summary>
internal sealed record ConnectionPoolSettings
{
    /// <summary>Gets the TCP settings.</summary>
    public TcpSettings? Tcp { get; init; }

    /// <summary>Gets the HTTP settings.</summary>
    public HttpSettings? Http { get; init; }
}

/// <summary>TCP connection pool settings.</summary>
internal sealed record TcpSettings
{
    /// <summary>Gets the maximum number of connections to the destination.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Gets the connect timeout.</summary>
    public TimeSpan? ConnectTimeout { get; init; }
}

/// <summary>HTTP connection pool settings.</summary>
internal sealed record HttpSettings
{
    /// <summary>Gets the maximum number of requests waiting for a connection.</summary>
    public int? Http1MaxPendingRequests { get; init; }

    /// <summary>Gets the maximum number of requests in flight to the destination.</summary>
    public int? Http2MaxRequests { get; init; }

    /// <summary>Gets the maximum number of requests per connection (1 disables keep-alive).</summary>
    public int? MaxRequestsPerConnection { get; init; }

    /// <summary>Gets the maximum number of retries in flight to the destination.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Gets how long an idle connection is kept.</summary>
    public TimeSpan? IdleTimeout { get; init; }
}
