using System.Collections.Frozen;
using Mesh.Configuration;
using Mesh.Routing;
using Mesh.Snapshot;

namespace Mesh.Runtime;

/// <summary>
/// Keeps the runtime state beside the config (YARP's <c>ProxyConfigManager</c>): on each applied
/// snapshot it reconciles the clusters by name (a new cluster gets new state, a changed one is updated
/// in place, a removed one is disposed, an unchanged one is left alone), compiles again only the
/// services whose routes changed, and publishes one <see cref="RouteTable"/> for the request path.
/// </summary>
internal sealed class MeshRuntime : IDisposable
{
    private readonly MeshRuntimeContext _context;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceKey, (VirtualHostConfig Config, ServiceRoutes Routes)> _services = [];
    private RouteTable? _current;
    private bool _disposed;

    public MeshRuntime(MeshRuntimeContext context) => _context = context;

    /// <summary>Gets the table in force; null until the first snapshot is applied.</summary>
    public RouteTable? Current => Volatile.Read(ref _current);

    /// <summary>Builds a table over <paramref name="snapshot"/> with runtime state of its own, for tools and tests that route without a provider.</summary>
    public static RouteTable Standalone(MeshSnapshot snapshot, IMeshRandom random, TimeProvider? time = null, Transport.IMeshTransportFactory? transports = null) =>
        new MeshRuntime(new MeshRuntimeContext(snapshot.Identity, time ?? TimeProvider.System, random, new Transport.MeshTransportPool(transports ?? new Transport.SocketsTransportFactory()))).Apply(snapshot);

    /// <summary>Reconciles the runtime state with <paramref name="snapshot"/> and publishes the table built over it.</summary>
    public RouteTable Apply(MeshSnapshot snapshot)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // 1. Routes, compiled again only for services whose routes changed. First, since they can still fail
            //    (on what the validator let through): clusters they name that are new are made here, and on a
            //    failure those are let go and nothing else has changed.
            var created = new Dictionary<string, ClusterState>(StringComparer.Ordinal);
            ClusterState Cluster(string name)
            {
                if (!_clusters.TryGetValue(name, out var cluster) && !created.TryGetValue(name, out cluster))
                {
                    cluster = new ClusterState(snapshot.Clusters[name], _context);
                    created[name] = cluster;
                }

                return cluster;
            }

            var hosts = new Dictionary<string, ServiceRoutes>(StringComparer.OrdinalIgnoreCase);
            var services = new Dictionary<ServiceKey, (VirtualHostConfig, ServiceRoutes)>();
            try
            {
                foreach (var (key, config) in snapshot.VirtualHosts)
                {
                    var routes = _services.TryGetValue(key, out var known) && known.Config.Equals(config)
                        ? known.Routes
                        : RouteCompiler.Compile(config, Cluster, _context.Time, _context.Random);
                    services[key] = (config, routes);
                    foreach (var alias in key.HostAliases(snapshot.Identity.Namespace))
                    {
                        hosts[alias] = routes;
                    }
                }
            }
            catch
            {
                foreach (var cluster in created.Values)
                {
                    cluster.Dispose();
                }

                throw;
            }

            // 2. Clusters: added, updated in place, or removed (after the new table is published).
            var removed = _clusters.Keys.Where(name => !snapshot.Clusters.ContainsKey(name)).ToList();
            foreach (var (name, config) in snapshot.Clusters)
            {
                if (_clusters.TryGetValue(name, out var cluster))
                {
                    cluster.Update(config);
                }
                else
                {
                    _clusters[name] = created.GetValueOrDefault(name) ?? new ClusterState(config, _context);
                }
            }

            _services.Clear();
            foreach (var (key, entry) in services)
            {
                _services[key] = entry;
            }

            // 3. Publish, then let the removed clusters go: a request already routed to one finishes on it.
            var clusters = snapshot.Clusters.Keys.ToFrozenDictionary(name => name, name => _clusters[name], StringComparer.Ordinal);
            var table = new RouteTable(snapshot, hosts.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), clusters, _context.Random);
            Volatile.Write(ref _current, table);
            foreach (var name in removed)
            {
                _clusters.Remove(name, out var cluster);
                cluster!.Dispose();
            }

            return table;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var cluster in _clusters.Values)
            {
                cluster.Dispose();
            }

            _clusters.Clear();
        }
    }
}
