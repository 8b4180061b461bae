using System.Diagnostics;

namespace Mesh.Telemetry;

/// <summary>
/// What the HTTP handler keeps of one logical request for its telemetry while the request runs: made only when someone
/// listens (Istio's instruments, the access log, or the mesh's spans), so a request nobody observes carries one null
/// reference instead.
/// </summary>
internal sealed class OutboundState(bool measured, long start, Activity? activity, Uri logical)
{
    /// <summary>Gets a value indicating whether Istio's metrics or the access log record the request.</summary>
    public bool Measured { get; } = measured;

    /// <summary>Gets the timestamp of the request's start, or 0 when not measured.</summary>
    public long Start { get; } = start;

    /// <summary>Gets the request's span, or null.</summary>
    public Activity? Activity { get; } = activity;

    /// <summary>Gets the logical URI the caller asked for.</summary>
    public Uri Logical { get; } = logical;

    /// <summary>Gets or sets the flags of the request so far (a fault delay, the last attempt's outcome).</summary>
    public ResponseFlags Flags { get; set; }

    /// <summary>Gets or sets the flag of the current attempt alone (UH, UO), kept only if it is the last.</summary>
    public ResponseFlags AttemptFlag { get; set; }

    /// <summary>Gets or sets the number of attempts made.</summary>
    public int Attempts { get; set; }
}
