using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Mesh.Runtime;
using Mesh.Snapshot;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Mesh.Grpc;

/// <summary>
/// The resolver of one mesh channel. It publishes each endpoint once of every cluster the target's routes can send
/// to (every subset, and other hosts a VirtualService routes to), so the channel keeps one subchannel per backend,
/// and selects the <c>mesh</c> load-balancing policy, whose picker routes each call. It publishes again on every
/// applied config; a routing-only change yields the same addresses, and the picker reads the new routes anyway.
/// Clusters whose instances are not loaded yet are loaded first.
/// </summary>
internal sealed partial class MeshResolver : Resolver
{
    private readonly MeshSnapshotProvider _provider;
    private readonly GrpcTarget _target;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Action<ResolverResult>? _listener;
    private IDisposable? _subscription;
    private bool _disposed;
    private const int DiscoveryNone = 0;
    private const int DiscoveryRunning = 1;
    private const int DiscoveryDone = 2;
    private int _discovery;

    public MeshResolver(MeshSnapshotProvider provider, GrpcTarget target, ILoggerFactory loggerFactory)
    {
        _provider = provider;
        _target = target;
        _logger = loggerFactory.CreateLogger<MeshResolver>();
    }

    /// <summary>Gets the reason every call of the channel fails with, when the channel cannot be a mesh channel; null when it can.</summary>
    public string? Refuse { get; init; }

    public override void Start(Action<ResolverResult> listener)
    {
        if (Refuse is { } reason)
        {
            listener(ResolverResult.ForFailure(new Status(StatusCode.Unavailable, reason)));
            return;
        }

        _listener = listener;
        _subscription = ChangeToken.OnChange(_provider.GetChangeToken, Publish);
        Publish();
    }

    /// <summary>Does nothing: the resolver publishes whenever a config is applied, and the snapshot has nothing newer to give.</summary>
    public override void Refresh()
    {
    }

    private void Publish()
    {
        lock (_gate)
        {
            if (_disposed || _listener is not { } listener)
            {
                return;
            }

            var table = _provider.Routes;
            if (!table.TryGetService(_target.Host, out var service) && _provider.DiscoversOnCall && _discovery != DiscoveryDone)
            {
                // xDS mode: subscribe to the target's listener, then publish again; the channel's calls wait meanwhile
                // (configs applied while the chain LDS → RDS → CDS → EDS arrives publish nothing).
                if (_discovery == DiscoveryNone)
                {
                    _discovery = DiscoveryRunning;
                    _ = DiscoverAsync();
                }

                return;
            }

            if (service is null)
            {
                Log.NotMeshService(_logger, _target.Authority);
                listener(ResolverResult.ForFailure(new Status(StatusCode.Unavailable, $"Mesh: '{_target.Host}' is not a mesh service (no instances or config name it).")));
                return;
            }

            var addresses = new List<BalancerAddress>();
            var seen = new HashSet<(string, int)>();
            var cold = new List<ClusterState>();
            foreach (var route in service.Routes)
            {
                foreach (var target in route.AllTargets)
                {
                    var cluster = target.ForPort(_target.Uri).Cluster;
                    if (cluster.IsCold)
                    {
                        cold.Add(cluster);
                        continue;
                    }

                    foreach (var endpoint in cluster.Endpoints)
                    {
                        if (seen.Add((endpoint.Address, endpoint.Port)))
                        {
                            addresses.Add(new BalancerAddress(endpoint.Address, endpoint.Port));
                        }
                    }
                }
            }

            if (cold.Count > 0)
            {
                // Load the instances, then publish again (the provider's change token fires too). With nothing to publish
                // meanwhile, publish nothing: the channel's first calls wait for the result instead of failing.
                _ = WarmAsync(cold);
                if (addresses.Count == 0)
                {
                    return;
                }
            }

            if (addresses.Count == 0)
            {
                listener(ResolverResult.ForFailure(new Status(StatusCode.Unavailable, $"Mesh: no_healthy_upstream: no cluster the routes of '{_target.Authority}' send to has a healthy endpoint.")));
                return;
            }

            var policy = new LoadBalancingConfig(MeshGrpcDefaults.Policy);
            ((IDictionary<string, object>)policy.Inner[MeshGrpcDefaults.Policy])[GrpcTarget.ConfigKey] = _target.Authority;
            var config = new ServiceConfig { LoadBalancingConfigs = { policy } };
            Log.Published(_logger, _target.Authority, addresses.Count, table.Version);
            listener(ResolverResult.ForResult(addresses, config, serviceConfigStatus: null));
        }
    }

    private async Task DiscoverAsync()
    {
        try
        {
            await _provider.DiscoverAsync(_target.Authority, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // an xDS server that cannot be reached leaves the target unknown; the channel fails with UNAVAILABLE
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.WarmFailed(_logger, ex, _target.Authority);
        }

        lock (_gate)
        {
            _discovery = DiscoveryDone;
        }

        Publish();
    }

    private async Task WarmAsync(List<ClusterState> clusters)
    {
        try
        {
            foreach (var service in clusters.Select(c => c.Service).Distinct())
            {
                await _provider.WarmAsync(service, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // a registry that cannot be reached leaves the clusters cold; the picker answers UNAVAILABLE
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.WarmFailed(_logger, ex, _target.Authority);
        }

        Publish();
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _disposed = true;
            _subscription?.Dispose();
        }

        base.Dispose(disposing);
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.GrpcResolverPublished, LogLevel.Debug, "Mesh gRPC: {Target} resolved to {Count} endpoint(s) at config version {Version}")]
        public static partial void Published(ILogger logger, string target, int count, long version);

        [LoggerMessage(Telemetry.MeshEventIds.GrpcTargetNotMeshService, LogLevel.Warning, "Mesh gRPC: {Target} is not a mesh service; its calls fail with UNAVAILABLE")]
        public static partial void NotMeshService(ILogger logger, string target);

        [LoggerMessage(Telemetry.MeshEventIds.GrpcWarmFailed, LogLevel.Warning, "Mesh gRPC: loading the instances behind {Target} failed")]
        public static partial void WarmFailed(ILogger logger, Exception exception, string target);
    }
}
