namespace Mesh.Configuration;

/// <summary>A delay injected before forwarding.</summary>
internal sealed record FaultDelay
{
    /// <summary>Gets the share of requests delayed, 0 to 100; none when left out, as in Istio.</summary>
    public double? Percentage { get; init; }

    /// <summary>Gets the delay.</summary>
    public TimeSpan? FixedDelay { get; init; }
}
