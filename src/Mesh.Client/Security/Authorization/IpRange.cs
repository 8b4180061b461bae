using System.Net;
using System.Net.Sockets;
using Mesh.Configuration;

namespace Mesh.Security.Authorization;

/// <summary>An IPv4 or IPv6 CIDR range (a single address is a range of one), matched without allocating.</summary>
internal sealed class IpRange
{
    private readonly byte[] _network;
    private readonly int _prefixLength;

    private IpRange(byte[] network, int prefixLength)
    {
        _network = network;
        _prefixLength = prefixLength;
    }

    /// <summary>Parses <c>10.1.0.0/16</c>, <c>10.1.2.3</c>, <c>2001:db8::/32</c>; host bits of a range are masked, as Envoy does.</summary>
    /// <exception cref="FormatException">The text is neither (the validator refuses it first).</exception>
    public static IpRange Parse(string text)
    {
        if (!AuthorizationPolicyValidator.TryParseCidr(text, out var address, out var prefixLength))
        {
            throw new FormatException($"'{text}' is not an IP address or a CIDR range");
        }

        var bytes = address.GetAddressBytes();
        for (var bit = prefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IpRange(bytes, prefixLength);
    }

    /// <summary>Whether <paramref name="address"/> is in the range; an IPv4 address mapped into IPv6 (<c>::ffff:10.1.2.3</c>) counts as IPv4.</summary>
    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[16];
        if (!address.TryWriteBytes(buffer, out var written))
        {
            return false;
        }

        var bytes = buffer[..written];
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            bytes = bytes[12..];
        }

        if (bytes.Length != _network.Length)
        {
            return false;
        }

        var whole = _prefixLength / 8;
        if (!bytes[..whole].SequenceEqual(_network.AsSpan(0, whole)))
        {
            return false;
        }

        var rest = _prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[whole] & mask) == _network[whole];
    }
}
