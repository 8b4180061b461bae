using Mesh.Configuration;
using Mesh.Http;

namespace Mesh.Routing;

/// <summary>One compiled match block: every condition must hold.</summary>
internal sealed class RouteMatch
{
    private readonly StringMatcher? _uri;
    private readonly StringMatcher? _scheme;
    private readonly StringMatcher? _method;
    private readonly StringMatcher? _authority;
    private readonly (string Name, StringMatcher Matcher)[] _headers;
    private readonly (string Name, StringMatcher Matcher)[] _withoutHeaders;
    private readonly (string Name, StringMatcher Matcher)[] _queryParams;
    private readonly int? _port;

    public RouteMatch(HttpMatchRequest match)
    {
        Source = match;
        _uri = match.Uri is null ? null : new StringMatcher(match.Uri, match.IgnoreUriCase);
        _scheme = match.Scheme is null ? null : new StringMatcher(match.Scheme);
        _method = match.Method is null ? null : new StringMatcher(match.Method);
        _authority = match.Authority is null ? null : new StringMatcher(match.Authority);
        _headers = match.Headers.Select(h => (h.Key, new StringMatcher(h.Value))).ToArray();
        _withoutHeaders = match.WithoutHeaders.Select(h => (h.Key, new StringMatcher(h.Value))).ToArray();
        _queryParams = match.QueryParams.Select(q => (q.Key, new StringMatcher(q.Value))).ToArray();
        _port = match.Port;
    }

    public HttpMatchRequest Source { get; }

    /// <summary>Gets the prefix of a uri prefix match, which rewrite.uri replaces.</summary>
    public string? UriPrefix => _uri?.Prefix;

    public bool IsMatch(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        if (_uri is not null && !_uri.IsMatch(uri.AbsolutePath))
        {
            return false;
        }

        if (_scheme is not null && !_scheme.IsMatch(uri.Scheme))
        {
            return false;
        }

        if (_method is not null && !_method.IsMatch(request.Method.Method))
        {
            return false;
        }

        if (_port is { } port && uri.Port != port)
        {
            return false;
        }

        if (_authority is not null && !_authority.IsMatch(request.Headers.Host ?? uri.Authority))
        {
            return false;
        }

        foreach (var (name, matcher) in _headers)
        {
            if (!RequestValues.TryGetHeader(request, name, out var value) || !matcher.IsMatch(value))
            {
                return false;
            }
        }

        foreach (var (name, matcher) in _withoutHeaders)
        {
            if (RequestValues.TryGetHeader(request, name, out var value) && matcher.IsMatch(value))
            {
                return false;
            }
        }

        foreach (var (name, matcher) in _queryParams)
        {
            if (!RequestValues.TryGetQueryParameter(uri, name, out var raw))
            {
                return false;
            }

            var value = raw.ContainsAny('%', '+') ? Uri.UnescapeDataString(raw.ToString().Replace('+', ' ')) : raw;
            if (!matcher.IsMatch(value))
            {
                return false;
            }
        }

        return true;
    }
}
