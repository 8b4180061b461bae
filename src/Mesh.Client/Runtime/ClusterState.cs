using Mesh.Configuration;
using Mesh.LoadBalancing;
using Mesh.Resilience;
using Mesh.Snapshot;
using Mesh.Transport;

namespace Mesh.Runtime;

/// <summary>
/// A cluster's runtime state, beside its config (YARP's <c>ClusterState</c>): the endpoints with their
/// state, the picker, the circuit-breaker counters, outlier detection and the connection pool. One
/// object per cluster name for as long as the cluster exists; a config update is applied in place
/// (<see cref="Update"/>) and keeps what it does not change: counters, ejections, connections.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    private readonly MeshRuntimeContext _context;
    private readonly Dictionary<(string Address, int Port), MeshEndpoint> _byAddress = [];
    private Picker _picker;
    private ClusterConfig _config;
    private ClusterLimits? _limits;
    private OutlierDetector? _outlier;
    private MeshTransport _transport;

    public ClusterState(ClusterConfig config, MeshRuntimeContext context)
    {
        _context = context;
        _config = config;
        Name = config.Name;
        var endpoints = Reconcile(config.Endpoints);
        _picker = new Picker(endpoints, CreateLoadBalancer(config.TrafficPolicy.LoadBalancer, endpoints));
        _limits = config.TrafficPolicy.ConnectionPool is { } pool ? new ClusterLimits(pool) : null;
        _outlier = config.TrafficPolicy.OutlierDetection is { } outlier ? new OutlierDetector(endpoints, outlier, context.Time) : null;
        _transport = context.Transports.Acquire(TransportSettings.For(Name, config.TrafficPolicy.ConnectionPool, endpoints.Length, config.Tls));
    }

    public string Name { get; }

    public ClusterConfig Config => Volatile.Read(ref _config);

    public ServiceKey Service => Config.Service;

    public string? Subset => Config.Subset;

    /// <summary>Gets a value indicating whether the service's instances are not loaded yet; the first call loads them.</summary>
    public bool IsCold => Config.IsCold;

    /// <summary>Gets the healthy endpoints, ordered by address and port.</summary>
    public MeshEndpoint[] Endpoints => Volatile.Read(ref _picker).Endpoints;

    public LoadBalancer LoadBalancer => Volatile.Read(ref _picker).LoadBalancer;

    /// <summary>Gets the circuit-breaker counters, or null when the cluster sets no connectionPool.</summary>
    public ClusterLimits? Limits => Volatile.Read(ref _limits);

    /// <summary>Gets outlier detection, or null when the cluster sets no outlierDetection.</summary>
    public OutlierDetector? Outlier => Volatile.Read(ref _outlier);

    /// <summary>Gets the connection pool requests to this cluster go through now.</summary>
    public MeshTransport Transport => Volatile.Read(ref _transport);

    /// <summary>Gets connectionPool.http.maxRequestsPerConnection, or null when unset.</summary>
    public int? MaxRequestsPerConnection => Config.TrafficPolicy.ConnectionPool?.Http?.MaxRequestsPerConnection is > 0 and var n ? n : null;

    /// <summary>Gets the endpoints to pick from now: the healthy ones, less those outlier detection ejected.</summary>
    public MeshEndpoint[] Available => Outlier?.Available ?? Endpoints;

    public MeshEndpoint? Pick(HttpRequestMessage request)
    {
        var picker = Volatile.Read(ref _picker);
        var endpoints = Volatile.Read(ref _outlier)?.Available ?? picker.Endpoints;
        return endpoints.Length == 0 ? null : picker.LoadBalancer.Pick(request, endpoints);
    }

    /// <summary>Picks for a retry: Envoy's previous-hosts predicate, up to 5 tries for an endpoint other than <paramref name="previous"/>.</summary>
    public MeshEndpoint? PickOther(HttpRequestMessage request, MeshEndpoint? previous)
    {
        MeshEndpoint? endpoint = null;
        for (var i = 0; i < 5; i++)
        {
            endpoint = Pick(request);
            if (endpoint is null || endpoint != previous)
            {
                return endpoint;
            }
        }

        return endpoint;
    }

    /// <summary>
    /// Applies a changed config in place (called by <see cref="MeshRuntime"/> under its lock): endpoints
    /// that stay keep their state, limits keep their counters, outlier detection keeps its ejections, the
    /// picker is rebuilt only when the endpoints or the load balancer changed, and the connection pool is
    /// replaced only when its settings changed (the old one drains).
    /// </summary>
    public void Update(ClusterConfig config)
    {
        var old = _config;
        if (old.Equals(config))
        {
            return;
        }

        var picker = _picker;
        var endpoints = old.Endpoints.Equals(config.Endpoints) ? picker.Endpoints : Reconcile(config.Endpoints);
        var policy = config.TrafficPolicy;
        if (!ReferenceEquals(endpoints, picker.Endpoints) || !Equals(old.TrafficPolicy.LoadBalancer, policy.LoadBalancer))
        {
            Volatile.Write(ref _picker, new Picker(endpoints, CreateLoadBalancer(policy.LoadBalancer, endpoints)));
        }

        switch (policy.ConnectionPool, _limits)
        {
            case (null, not null):
                Volatile.Write(ref _limits, null);
                break;
            case ({ } pool, null):
                Volatile.Write(ref _limits, new ClusterLimits(pool));
                break;
            case ({ } pool, { } limits) when !pool.Equals(old.TrafficPolicy.ConnectionPool):
                limits.Update(pool);
                break;
        }

        switch (policy.OutlierDetection, _outlier)
        {
            case (null, { } outlier):
                Volatile.Write(ref _outlier, null);
                outlier.Dispose();
                break;
            case ({ } settings, null):
                Volatile.Write(ref _outlier, new OutlierDetector(endpoints, settings, _context.Time));
                break;
            case ({ } settings, { } outlier) when !settings.Equals(old.TrafficPolicy.OutlierDetection) || !ReferenceEquals(endpoints, outlier.Endpoints):
                outlier.Update(endpoints, settings);
                break;
        }

        var transport = _transport;
        var settingsNow = TransportSettings.For(Name, policy.ConnectionPool, endpoints.Length, config.Tls);
        if (!settingsNow.Equals(transport.Settings))
        {
            // Publish the new pool before letting the old one go, so a request always finds a live one.
            Volatile.Write(ref _transport, _context.Transports.Acquire(settingsNow));
            _context.Transports.Release(transport);
        }

        Volatile.Write(ref _config, config);
    }

    /// <summary>Returns what <see cref="IMeshStatus"/> shows of this cluster now.</summary>
    public MeshClusterStatus GetStatus()
    {
        var config = Config;
        var healthy = Endpoints.ToDictionary(e => (e.Address, e.Port));
        var endpoints = config.Endpoints.Select(e =>
        {
            var state = healthy.TryGetValue((e.Address, e.Port), out var endpoint) ? endpoint.State : null;
            var until = state?.EjectedUntilTicks ?? 0;
            return new MeshEndpointStatus(
                e.Id,
                e.Address,
                e.Port,
                e.Health == EndpointHealth.Healthy,
                until != 0,
                until != 0 ? new DateTimeOffset(until, TimeSpan.Zero) : null,
                state?.Ejections ?? 0,
                state?.ActiveRequests ?? 0);
        });
        return new MeshClusterStatus(Name, config.Service.Fqdn, config.Subset, LoadBalancer.Name, Limits?.Active ?? 0, [.. endpoints]);
    }

    /// <summary>Stops outlier detection and lets the connection pool go (it drains); the cluster left the config.</summary>
    public void Dispose()
    {
        _outlier?.Dispose();
        _context.Transports.Release(_transport);
    }

    /// <summary>The healthy endpoints of <paramref name="configs"/>, reusing the object (and state) of each endpoint that stays.</summary>
    private MeshEndpoint[] Reconcile(IReadOnlyList<EndpointConfig> configs)
    {
        var endpoints = new List<MeshEndpoint>(configs.Count);
        var seen = new HashSet<(string, int)>();
        foreach (var config in configs)
        {
            var key = (config.Address, config.Port);
            seen.Add(key);
            if (_byAddress.TryGetValue(key, out var endpoint))
            {
                endpoint.Config = config;
            }
            else
            {
                endpoint = new MeshEndpoint(config);
                _byAddress[key] = endpoint;
            }

            if (config.Health == EndpointHealth.Healthy)
            {
                endpoints.Add(endpoint);
            }
        }

        // An endpoint that left the cluster leaves its state with it: if it comes back, it starts afresh, as in Envoy.
        foreach (var key in _byAddress.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _byAddress.Remove(key);
        }

        return [.. endpoints];
    }

    private LoadBalancer CreateLoadBalancer(LoadBalancerSettings? settings, MeshEndpoint[] endpoints)
    {
        var random = _context.Random;
        if (settings?.ConsistentHash is { } hash)
        {
            var (source, key) = hash switch
            {
                { HttpHeaderName: { } header } => (HashKeySource.Header, header),
                { HttpCookie: { } cookie } => (HashKeySource.Cookie, cookie.Name),
                { HttpQueryParameterName: { } query } => (HashKeySource.QueryParameter, query),
                _ => (HashKeySource.SourceIp, ""),
            };
            return new RingHashLoadBalancer(endpoints, source, key, hash.MinimumRingSize ?? RingHashLoadBalancer.DefaultMinimumRingSize, _context.Identity.SourceAddress, random)
            {
                Cookie = hash.HttpCookie,
            };
        }

        return settings?.Simple switch
        {
            "LEAST_REQUEST" or "LEAST_CONN" => new LeastRequestLoadBalancer(random),
            "RANDOM" => new RandomLoadBalancer(random),
            _ => new RoundRobinLoadBalancer(random.Next(Math.Max(endpoints.Length, 1)), endpoints.Length),
        };
    }

    public override string ToString() => Name;

    /// <summary>The healthy endpoints and the load balancer built over them, swapped together.</summary>
    private sealed record Picker(MeshEndpoint[] Endpoints, LoadBalancer LoadBalancer);
}
