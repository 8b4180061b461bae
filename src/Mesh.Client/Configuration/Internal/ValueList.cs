using System.Collections;

namespace Mesh.Configuration.Internal;

/// <summary>
/// A read-only list with value equality: equal when the elements are equal in order. The parser
/// builds every list of a document with it, so that two parses of the same text give equal records
/// and the runtime can tell a changed rule from an unchanged one.
/// </summary>
internal sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    public static readonly ValueList<T> Empty = new([]);

    private readonly T[] _items;
    private int _hash;

    public ValueList(T[] items) => _items = items;

    public ValueList(IEnumerable<T> items) => _items = [.. items];

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ValueList<T>? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._items.Length != _items.Length || (_hash != 0 && other._hash != 0 && _hash != other._hash))
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        for (var i = 0; i < _items.Length; i++)
        {
            if (!comparer.Equals(_items[i], other._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = new HashCode();
            foreach (var item in _items)
            {
                hash.Add(item);
            }

            // 0 means "not computed yet"; the records are immutable, so the hash is computed once.
            _hash = hash.ToHashCode() is var h && h == 0 ? 1 : h;
        }

        return _hash;
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public override string ToString() => $"[{string.Join(", ", _items)}]";
}
