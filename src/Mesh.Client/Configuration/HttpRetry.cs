namespace Mesh.Configuration;

/// <summary>An HTTP retry policy (parsed; not supported yet).</summary>
internal sealed record HttpRetry
{
    /// <summary>Gets the number of retries.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the timeout of each attempt.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary>Gets the conditions to retry on, comma-separated.</summary>
    public string? RetryOn { get; init; }

    /// <summary>Gets a value indicating whether retries prefer other localities.</summary>
    public bool? RetryRemoteLocalities { get; init; }
}
