using System.IO.Hashing;
using System.Text;
using Mesh.Http;
using Mesh.Runtime;
using Mesh.Snapshot;

namespace Mesh.LoadBalancing;

/// <summary>
/// Envoy's ring hash: each endpoint owns many points on a 64-bit ring (XxHash64 of "address:port_i"),
/// and a request goes to the first point at or after the hash of its key. Adding or removing one
/// endpoint moves only the keys of that endpoint. A request without a key gets a random endpoint.
/// </summary>
internal sealed class RingHashLoadBalancer : LoadBalancer
{
    public const long DefaultMinimumRingSize = 1024;
    public const long MaximumRingSize = 8 * 1024 * 1024;

    private readonly ulong[] _hashes;
    private readonly int[] _owners;
    private readonly IMeshRandom _random;
    private readonly ulong _sourceIpHash;
    private readonly MeshEndpoint[] _all;
    private readonly string _headerName;

    public RingHashLoadBalancer(MeshEndpoint[] endpoints, HashKeySource source, string keyName, long minimumRingSize, string sourceAddress, IMeshRandom random)
    {
        Source = source;
        KeyName = keyName;
        _headerName = source == HashKeySource.Header ? RequestValues.CanonicalHeaderName(keyName) : keyName;
        _random = random;
        _sourceIpHash = Hash(sourceAddress);
        _all = endpoints;
        if (endpoints.Length == 0)
        {
            _hashes = [];
            _owners = [];
            return;
        }

        // Each endpoint gets the same points whatever the number of endpoints: were the count derived from
        // minimumRingSize / endpoints, removing one endpoint would add points to the others and move keys
        // between endpoints that stayed. So the ring has minimumRingSize points per endpoint, within the maximum.
        var perEndpoint = (int)Math.Max(1, Math.Min(minimumRingSize, MaximumRingSize / endpoints.Length));
        var points = new (ulong Hash, int Owner)[perEndpoint * endpoints.Length];
        var n = 0;
        for (var e = 0; e < endpoints.Length; e++)
        {
            for (var i = 0; i < perEndpoint; i++)
            {
                points[n++] = (Hash($"{endpoints[e].HostPort}_{i}"), e);
            }
        }

        Array.Sort(points, static (x, y) => x.Hash.CompareTo(y.Hash));
        _hashes = points.Select(p => p.Hash).ToArray();
        _owners = points.Select(p => p.Owner).ToArray();
    }

    /// <summary>Carries a cookie the ring hash generated to the response (Set-Cookie), as Envoy does when httpCookie.ttl is set.</summary>
    public static readonly HttpRequestOptionsKey<string> GeneratedCookie = new("Mesh.GeneratedCookie");

    public HashKeySource Source { get; }

    /// <summary>Gets the cookie settings when the key is a cookie; with a ttl, a missing cookie is generated.</summary>
    public Configuration.HttpCookie? Cookie { get; init; }

    public string KeyName { get; }

    public int RingSize => _hashes.Length;

    public override string Name => LoadBalancingPolicies.ConsistentHash;

    public override MeshEndpoint Pick(HttpRequestMessage request, MeshEndpoint[] endpoints)
    {
        ulong hash;
        switch (Source)
        {
            case HashKeySource.SourceIp:
                hash = _sourceIpHash;
                break;
            default:
                var key = GetKey(request);
                if (key.IsEmpty)
                {
                    if (Source == HashKeySource.Cookie && Cookie?.Ttl is { } ttl)
                    {
                        return PickWithNewCookie(request, endpoints, ttl);
                    }

                    return endpoints[_random.Next(endpoints.Length)];
                }

                hash = Hash(key);
                break;
        }

        return Owner(FindPoint(hash), endpoints);
    }

    /// <summary>The owner of a ring point; when outlier detection ejected it, the next point whose owner is still available.</summary>
    private MeshEndpoint Owner(int point, MeshEndpoint[] available)
    {
        var owner = _all[_owners[point]];
        if (available.Length == _all.Length)
        {
            return owner;
        }

        for (var i = 0; i < _hashes.Length; i++)
        {
            owner = _all[_owners[(point + i) % _hashes.Length]];
            if (Array.IndexOf(available, owner) >= 0)
            {
                return owner;
            }
        }

        return available[0];
    }

    private MeshEndpoint PickWithNewCookie(HttpRequestMessage request, MeshEndpoint[] endpoints, TimeSpan ttl)
    {
        var value = $"{_random.Next(int.MaxValue):x8}{_random.Next(int.MaxValue):x8}";
        // A ttl of 0 makes a session cookie, as Envoy does; Max-Age=0 would tell the client to delete it.
        var maxAge = ttl > TimeSpan.Zero ? $"; Max-Age={Math.Max(1, (long)ttl.TotalSeconds)}" : "";
        var setCookie = $"{Cookie!.Name}={value}{maxAge}{(Cookie.Path is { Length: > 0 } path ? $"; Path={path}" : "")}; HttpOnly";
        request.Options.Set(GeneratedCookie, setCookie);
        return Owner(FindPoint(Hash(value)), endpoints);
    }

    /// <summary>Returns the index of the first ring point at or after <paramref name="hash"/>, wrapping at the end.</summary>
    internal int FindPoint(ulong hash)
    {
        var index = Array.BinarySearch(_hashes, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return index == _hashes.Length ? 0 : index;
    }

    private ReadOnlySpan<char> GetKey(HttpRequestMessage request) => Source switch
    {
        HashKeySource.Header => RequestValues.Header(request, _headerName),
        HashKeySource.Cookie => RequestValues.Cookie(request, KeyName),
        HashKeySource.QueryParameter => RequestValues.QueryParameter(request.RequestUri, KeyName),
        _ => default,
    };

    internal static ulong Hash(ReadOnlySpan<char> key)
    {
        // Hash the UTF-8 bytes without allocating for the short keys requests carry.
        Span<byte> buffer = stackalloc byte[256];
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max <= buffer.Length)
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return XxHash64.HashToUInt64(buffer[..written]);
        }

        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key.ToString()));
    }
}
