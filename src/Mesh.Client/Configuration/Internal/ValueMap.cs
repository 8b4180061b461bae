using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Mesh.Configuration.Internal;

/// <summary>
/// A read-only map with value equality: equal when both hold the same keys (by this map's key
/// comparer) with equal values, in any order. The parser builds every map of a document with it
/// (labels, header matches), for the same reason as <see cref="ValueList{T}"/>.
/// </summary>
internal sealed class ValueMap<TValue> : IReadOnlyDictionary<string, TValue>, IEquatable<ValueMap<TValue>>
{
    public static readonly ValueMap<TValue> Empty = new(new Dictionary<string, TValue>(StringComparer.Ordinal));

    private readonly Dictionary<string, TValue> _items;
    private int _hash;

    public ValueMap(Dictionary<string, TValue> items) => _items = items;

    public int Count => _items.Count;

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<TValue> Values => _items.Values;

    public TValue this[string key] => _items[key];

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value) => _items.TryGetValue(key, out value);

    public bool Equals(ValueMap<TValue>? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._items.Count != _items.Count || (_items.Count > 0 && !Equals(other._items.Comparer, _items.Comparer)) || other.GetHashCode() != GetHashCode())
        {
            return false;
        }

        var comparer = EqualityComparer<TValue>.Default;
        foreach (var (key, value) in _items)
        {
            if (!other._items.TryGetValue(key, out var theirs) || !comparer.Equals(value, theirs))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ValueMap<TValue>);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            // Order-independent: the sum of each pair's hash, with the key hashed by the map's own comparer.
            var hash = 0;
            foreach (var (key, value) in _items)
            {
                hash = unchecked(hash + HashCode.Combine(_items.Comparer.GetHashCode(key), value));
            }

            _hash = hash == 0 ? 1 : hash;
        }

        return _hash;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
