using System.Runtime.CompilerServices;
using Mesh.Http;

namespace Mesh.Routing;

/// <summary>
/// One request as the route table reads it, on the stack for one <see cref="MeshRouter.Route"/> call:
/// each header the table tests is read from <see cref="HttpRequestMessage.Headers"/> at most once,
/// however many routes test it. A header's slot is given when the table is compiled
/// (<see cref="HeaderSlotMap"/>); a header without a slot is read each time it is tested.
/// </summary>
internal ref struct RequestView
{
    /// <summary>The number of distinct header names a route table can cache; more are read uncached.</summary>
    public const int HeaderSlotCount = 16;

    /// <summary>The slot of a header that has none: read on every test.</summary>
    public const int NoSlot = -1;

    private readonly HttpRequestMessage _request;
    private HeaderValues _headers;
    private uint _loaded;
    private string? _path;
    private string? _authority;

    public RequestView(HttpRequestMessage request)
    {
        _request = request;
        Uri = request.RequestUri!;
    }

    public readonly HttpRequestMessage Request => _request;

    public readonly Uri Uri { get; }

    /// <summary>Gets the number of header reads from the request so far (a test hook: each cached header counts once).</summary>
    public int HeaderReads { get; private set; }

    public string Path => _path ?? ReadPath();

    /// <summary>Gets the authority as sent: the Host header when set, else the URI's.</summary>
    public string Authority => _authority ??= _request.Headers.Host ?? Uri.Authority;

    /// <summary>Reads a header as <see cref="RequestValues.TryGetHeader"/> does, from the slot's cache after the first read.</summary>
    public bool TryGetHeader(string name, int slot, out string value)
    {
        var header = GetHeader(name, slot);
        value = header ?? "";
        return header is not null;
    }

    /// <summary>Returns the header as <see cref="RequestValues.TryGetHeader"/> reads it, or null when absent; cached in its slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public string? GetHeader(string name, int slot)
    {
        if ((uint)slot < HeaderSlotCount && (_loaded & (1u << slot)) != 0)
        {
            return _headers[slot];
        }

        return ReadHeader(name, slot);
    }

    // Out of line: inlined, the header store's code would swell every caller's frame (and its zeroing).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private string? ReadHeader(string name, int slot)
    {
        HeaderReads++;
        var header = RequestValues.TryGetHeader(_request, name, out var value) ? value : null;
        if ((uint)slot < HeaderSlotCount)
        {
            _loaded |= 1u << slot;
            _headers[slot] = header;
        }

        return header;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private string ReadPath() => _path = Uri.AbsolutePath;

    [InlineArray(HeaderSlotCount)]
    private struct HeaderValues
    {
        private string? _first;
    }
}
