namespace Mesh.Snapshot;

/// <summary>An endpoint of a cluster as config data, as Envoy's EDS <c>LbEndpoint</c> describes one.</summary>
/// <param name="Id">The registry's instance id.</param>
/// <param name="Address">The IP address or host name.</param>
/// <param name="Port">The port.</param>
/// <param name="Health">The registry's health verdict; only healthy endpoints receive requests.</param>
/// <param name="Weight">The load-balancing weight (EDS <c>load_balancing_weight</c>); 1 until a registry reports weights.</param>
/// <param name="Locality">The locality (region/zone/subzone), or null when the registry reports none.</param>
internal sealed record EndpointConfig(string Id, string Address, int Port, EndpointHealth Health, int Weight = 1, string? Locality = null)
{
    /// <summary>Gets the host:port form, bracketed for IPv6.</summary>
    public string HostPort => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    public override string ToString() => HostPort;
}

/// <summary>An endpoint's health as the registry reports it (Envoy's <c>HealthStatus</c>, reduced to what a registry tells).</summary>
internal enum EndpointHealth
{
    /// <summary>Passing every check: receives requests.</summary>
    Healthy,

    /// <summary>Failing a check: receives no requests.</summary>
    Unhealthy,
}
