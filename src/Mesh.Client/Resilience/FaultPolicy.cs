using Mesh.Configuration;

namespace Mesh.Resilience;

/// <summary>
/// A route's fault injection, compiled: a delay and/or an abort, each on a share of requests (none when the share is left out, as in Istio).
/// An abort has an HTTP status (<see cref="AbortStatus"/>, 0 when none) or a gRPC status (<see cref="AbortGrpcStatus"/>, -1 when none).
/// </summary>
internal sealed record FaultPolicy(TimeSpan Delay, double DelayPercent, int AbortStatus, double AbortPercent)
{
    /// <summary>Gets the gRPC status of <c>abort.grpcStatus</c>, or -1 when the abort sets none.</summary>
    public int AbortGrpcStatus { get; init; } = -1;

    public static FaultPolicy? Create(HttpFaultInjection? fault) => fault is null ? null : new FaultPolicy(
        fault.Delay?.FixedDelay ?? TimeSpan.Zero,
        fault.Delay?.Percentage ?? 0,
        fault.Abort?.HttpStatus ?? 0,
        fault.Abort?.Percentage ?? 0)
    {
        AbortGrpcStatus = fault.Abort?.GrpcStatus is { } name && GrpcStatusCodes.TryParse(name, out var code) ? code : -1,
    };

    /// <summary>Rolls against a percentage with one number in [0, 1,000,000): exact to 0.0001%.</summary>
    public static bool Roll(double percent, Snapshot.IMeshRandom random) =>
        percent >= 100 || (percent > 0 && random.Next(1_000_000) < percent * 10_000);
}
