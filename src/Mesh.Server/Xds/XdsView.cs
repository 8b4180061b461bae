using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// What one caller identity sees of one state of the mesh: its compiled snapshot and the xDS resources
/// translated from it, each built once on first request and kept (the view is immutable once built).
/// </summary>
internal sealed class XdsView
{
    private readonly ConcurrentDictionary<(string Type, string Name), XdsResource> _cache = new();
    private readonly XdsTranslator _translator;
    private int _cached;

    public XdsView(MeshSnapshot snapshot, IReadOnlyDictionary<string, IReadOnlyList<string>> resolved)
    {
        _translator = new XdsTranslator(snapshot, resolved);
    }

    public MeshSnapshot Snapshot => _translator.Snapshot;

    /// <summary>Gets the unsupported features the translation left out so far.</summary>
    public IReadOnlyList<string> Notes => _translator.Notes;

    /// <summary>Translates everything the snapshot holds and returns every note.</summary>
    public IReadOnlyList<string> TranslateAll() => _translator.TranslateAll();

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

        if (_translator.Build(typeUrl, name) is not { } message)
        {
            return null;
        }

        var any = Any.Pack(message);
        var resource = new XdsResource(name, any, XdsVersion.OfBytes(any.Value.Span));
        if (Volatile.Read(ref _cached) < XdsLimits.MaxCachedResources && _cache.TryAdd((typeUrl, name), resource))
        {
            Interlocked.Increment(ref _cached);
        }

        return resource;
    }

    /// <summary>Gets how many resources the view keeps translated.</summary>
    public int CachedResources => Volatile.Read(ref _cached);
}
