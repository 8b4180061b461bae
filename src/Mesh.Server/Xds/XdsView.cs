using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// What one caller identity sees of one state of the mesh: its compiled snapshot and the xDS resources
/// translated from it, each built once on first request and kept (the view is immutable once built).
/// A resource whose inputs did not change since the previous view of the same identity is taken from
/// that view as is (message, bytes, hash, notes), so a change to one service costs a translation of
/// what it touched, not of every resource every client holds.
/// </summary>
internal sealed class XdsView
{
    private readonly ConcurrentDictionary<(string Type, string Name), XdsResource> _cache = new();
    private readonly XdsTranslator _translator;
    private XdsView? _previous;
    private int _translated;
    private int _reused;
    private int _cached;

    /// <param name="snapshot">The caller's compiled snapshot.</param>
    /// <param name="resolved">The IP addresses of endpoint host names.</param>
    /// <param name="previous">The view of the same caller identity in the previous state, whose unchanged resources are reused; it forgets its own previous view, so at most two are kept.</param>
    public XdsView(MeshSnapshot snapshot, IReadOnlyDictionary<string, IReadOnlyList<string>> resolved, XdsView? previous = null)
    {
        _translator = new XdsTranslator(snapshot, resolved);
        if (previous is not null)
        {
            Volatile.Write(ref previous._previous, null);
            _previous = previous;
        }
    }

    public MeshSnapshot Snapshot => _translator.Snapshot;

    /// <summary>Gets the unsupported features the translation left out so far.</summary>
    public IReadOnlyList<string> Notes => _translator.Notes;

    /// <summary>Gets how many resources this view translated itself, and how many it took unchanged from the previous view (the scale benchmark reads them).</summary>
    public (int Translated, int Reused) Counts => (Volatile.Read(ref _translated), Volatile.Read(ref _reused));

    /// <summary>Translates every virtual host (routes without a port) and every cluster once, through the cache, and returns every note.</summary>
    public IReadOnlyList<string> TranslateAll()
    {
        foreach (var host in Snapshot.VirtualHosts.Keys.OrderBy(k => k.Fqdn, StringComparer.Ordinal))
        {
            _ = Get(XdsTypes.RouteConfiguration, XdsResourceNames.Outbound(host, null, null));
        }

        foreach (var cluster in Snapshot.Clusters.Keys.Order(StringComparer.Ordinal))
        {
            _ = Get(XdsTypes.Cluster, cluster);
            _ = Get(XdsTypes.ClusterLoadAssignment, cluster);
        }

        return Notes;
    }

    /// <summary>Gets a resource by type and name, or null when it does not exist (unknown names are omitted from responses).</summary>
    /// <remarks>
    /// Names are the client's to choose: a name that matches nothing is not remembered, and past
    /// <see cref="XdsLimits.MaxCachedResources"/> resources are built again each time, so no sequence of
    /// requests grows the cache without bound (every port of every alias of a service is a valid listener name).
    /// </remarks>
    public XdsResource? Get(string typeUrl, string name)
    {
        if (_cache.TryGetValue((typeUrl, name), out var cached))
        {
            return cached;
        }

        if (Create(typeUrl, name) is not { } resource)
        {
            return null;
        }

        if (Volatile.Read(ref _cached) < XdsLimits.MaxCachedResources && _cache.TryAdd((typeUrl, name), resource))
        {
            Interlocked.Increment(ref _cached);
        }

        return resource;
    }

    /// <summary>Gets how many resources the view keeps translated.</summary>
    public int CachedResources => Volatile.Read(ref _cached);

    private XdsResource? Create(string typeUrl, string name)
    {
        if (Volatile.Read(ref _previous) is { } previous &&
            previous._cache.TryGetValue((typeUrl, name), out var earlier) &&
            earlier is not null &&
            _translator.SameInputs(previous._translator, typeUrl, name))
        {
            Interlocked.Increment(ref _reused);
            _translator.AddNotes(earlier.Notes);
            return earlier;
        }

        Interlocked.Increment(ref _translated);
        var (message, notes) = _translator.BuildWithNotes(typeUrl, name);
        if (message is null)
        {
            return null;
        }

        var any = Any.Pack(message);
        return new XdsResource(name, any, XdsVersion.OfBytes(any.Value.Span), notes);
    }
}
