using System.Net.Http.Headers;

namespace Mesh.Http;

/// <summary>Allocation-free reads of request values: a header, a cookie, a query parameter.</summary>
internal static class RequestValues
{
    /// <summary>Returns the header's value as it is sent (several values joined by the header's separator), or empty when absent.</summary>
    public static ReadOnlySpan<char> Header(HttpRequestMessage request, string name)
    {
        TryGetHeader(request, name, out var value);
        return value;
    }

    public static bool TryGetHeader(HttpRequestMessage request, string name, out string value)
    {
        if (request.Headers.NonValidated.TryGetValues(name, out var values) ||
            (request.Content is not null && request.Content.Headers.NonValidated.TryGetValues(name, out values)))
        {
            // One stored string is returned as is. Several values (or a header HttpHeaders parsed into
            // tokens, such as a User-Agent) are joined with the header's own separator, as they go on
            // the wire: ", " for most headers, " " for User-Agent, "; " for Cookie. string.Join over
            // the IEnumerable would box the struct and its enumerator and join every header with ','.
            value = values.ToString();
            return true;
        }

        value = "";
        return false;
    }

    /// <summary>
    /// Returns the name <see cref="HttpHeaders"/> knows a header by: for a header it knows (User-Agent,
    /// Content-Type, ...) its own spelling, else <paramref name="name"/>. Lookups are case-insensitive
    /// either way, but one spelled as HttpHeaders spells it is faster (about 28 ns instead of 42 for
    /// "user-agent"), so route tables and hash keys look headers up by this name.
    /// </summary>
    public static string CanonicalHeaderName(string name)
    {
        using var request = new HttpRequestMessage();
        if (request.Headers.TryAddWithoutValidation(name, "x"))
        {
            foreach (var header in request.Headers.NonValidated)
            {
                return header.Key;
            }
        }

        using var content = new ByteArrayContent([]);
        if (content.Headers.TryAddWithoutValidation(name, "x"))
        {
            foreach (var header in content.Headers.NonValidated)
            {
                return header.Key;
            }
        }

        return name;
    }

    /// <summary>Returns the named cookie's value from the Cookie header, or empty when absent.</summary>
    public static ReadOnlySpan<char> Cookie(HttpRequestMessage request, string name)
    {
        if (!request.Headers.NonValidated.TryGetValues("Cookie", out var values))
        {
            return default;
        }

        foreach (var header in values)
        {
            var rest = header.AsSpan();
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOf(';');
                var pair = (end < 0 ? rest : rest[..end]).Trim();
                rest = end < 0 ? default : rest[(end + 1)..];
                var eq = pair.IndexOf('=');
                if (eq > 0 && pair[..eq].Trim().SequenceEqual(name))
                {
                    return pair[(eq + 1)..].Trim().Trim('"');
                }
            }
        }

        return default;
    }

    /// <summary>Finds a query parameter; the value is returned raw (still percent-encoded).</summary>
    public static bool TryGetQueryParameter(Uri? uri, string name, out ReadOnlySpan<char> value)
    {
        value = default;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return false;
        }

        var query = uri.Query.AsSpan();
        if (query.StartsWith("?"))
        {
            query = query[1..];
        }

        while (!query.IsEmpty)
        {
            var end = query.IndexOf('&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (key.SequenceEqual(name))
            {
                value = eq < 0 ? default : pair[(eq + 1)..];
                return true;
            }
        }

        return false;
    }

    public static ReadOnlySpan<char> QueryParameter(Uri? uri, string name) =>
        TryGetQueryParameter(uri, name, out var value) ? value : default;
}
