using System.Diagnostics;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Route.V3;
using Envoy.Service.Discovery.V3;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>
/// The change the harness announced for a round, as the clients see it: svc-0's route split with a given v1 weight
/// (RDS), or svc-0's v1 cluster with a given number of endpoints (EDS). Each client stamps the time it ACKed the
/// first response that holds it (<see cref="Stopwatch.GetTimestamp"/>: a monotonic clock the harness process shares).
/// </summary>
internal sealed class XdsScaleExpectation(int clients)
{
    private readonly long[] _stamps = new long[clients];
    private Round? _round;

    public Task<long[]> ArmAsync(int round, string kind, int value)
    {
        Array.Clear(_stamps);
        var next = new Round(round, kind, value, clients);
        Volatile.Write(ref _round, next);
        return next.Done.Task;
    }

    /// <summary>Called by a client after it ACKed <paramref name="response"/>.</summary>
    public void Check(int client, DiscoveryResponse response)
    {
        if (Volatile.Read(ref _round) is not { } round || Volatile.Read(ref _stamps[client]) != 0)
        {
            return;
        }

        var holds = round.Kind switch
        {
            "rds" when response.TypeUrl == XdsScaleStream.Types.Route => response.Resources
                .Where(r => r.Is(RouteConfiguration.Descriptor))
                .Select(r => r.Unpack<RouteConfiguration>())
                .Any(c => c.Name == XdsScaleMesh.RouteName(0) && c.VirtualHosts[0].Routes[0].Route_.WeightedClusters.Clusters[0].Weight == (uint)round.Value),
            "eds" when response.TypeUrl == XdsScaleStream.Types.Endpoint => response.Resources
                .Select(r => r.Unpack<ClusterLoadAssignment>())
                .Any(a => a.ClusterName == XdsScaleMesh.ClusterName(0, "v1") && a.Endpoints.Sum(e => e.LbEndpoints.Count) == round.Value),
            _ => false,
        };
        if (holds && Interlocked.CompareExchange(ref _stamps[client], Stopwatch.GetTimestamp(), 0) == 0 && Interlocked.Decrement(ref round.Remaining) == 0)
        {
            round.Done.TrySetResult([.. _stamps]);
        }
    }

    private sealed class Round(int number, string kind, int value, int clients)
    {
        public int Remaining = clients;

        public int Number { get; } = number;

        public string Kind { get; } = kind;

        public int Value { get; } = value;

        public TaskCompletionSource<long[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
