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
    private readonly ConcurrentDictionary<(string Type, string Name), XdsResource?> _cache = new();
    private readonly XdsTranslator _translator;

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
    public XdsResource? Get(string typeUrl, string name) =>
        _cache.GetOrAdd((typeUrl, name), static (key, translator) =>
        {
            if (translator.Build(key.Type, key.Name) is not { } message)
            {
                return null;
            }

            var any = Any.Pack(message);
            return new XdsResource(key.Name, any, XdsVersion.OfBytes(any.Value.Span));
        }, _translator);
}
