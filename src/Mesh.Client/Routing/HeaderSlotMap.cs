namespace Mesh.Routing;

/// <summary>
/// Gives each distinct header name of one route table a slot of <see cref="RequestView"/>, in the
/// order the table first tests it. Names compare case-insensitively, as HTTP header names do.
/// Past <see cref="RequestView.HeaderSlotCount"/> names, a name gets <see cref="RequestView.NoSlot"/>.
/// </summary>
internal sealed class HeaderSlotMap
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _slots.Count;

    public int SlotOf(string name)
    {
        if (_slots.TryGetValue(name, out var slot))
        {
            return slot;
        }

        if (_slots.Count >= RequestView.HeaderSlotCount)
        {
            return RequestView.NoSlot;
        }

        slot = _slots.Count;
        _slots.Add(name, slot);
        return slot;
    }
}
