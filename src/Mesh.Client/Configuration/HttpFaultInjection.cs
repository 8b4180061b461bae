namespace Mesh.Configuration;

/// <summary>Faults injected into matching requests (parsed; not supported yet).</summary>
internal sealed record HttpFaultInjection
{
    /// <summary>Gets the delay fault.</summary>
    public FaultDelay? Delay { get; init; }

    /// <summary>Gets the abort fault.</summary>
    public FaultAbort? Abort { get; init; }
}
