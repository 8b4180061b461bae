using System.Diagnostics.CodeAnalysis;

namespace Mesh.Security;

/// <summary>
/// A workload identity as a SPIFFE ID (<c>spiffe://trust-domain/path</c>). Istio's form is
/// <c>spiffe://cluster.local/ns/NAMESPACE/sa/SERVICE_ACCOUNT</c>; Consul Connect's is
/// <c>spiffe://UUID.consul/ns/NAMESPACE/dc/DATACENTER/svc/SERVICE</c>, read here as the service account
/// <c>SERVICE</c> in <c>NAMESPACE</c> (the documented mapping in docs/security.md).
/// </summary>
internal sealed record SpiffeId
{
    private SpiffeId(string trustDomain, string path, string? ns, string? serviceAccount, bool isConsul)
    {
        TrustDomain = trustDomain;
        Path = path;
        Namespace = ns;
        ServiceAccount = serviceAccount;
        IsConsul = isConsul;
    }

    /// <summary>Gets the trust domain, lower case (<c>cluster.local</c>).</summary>
    public string TrustDomain { get; }

    /// <summary>Gets the path after the trust domain, with its leading slash (<c>/ns/default/sa/bookinfo-reviews</c>).</summary>
    public string Path { get; }

    /// <summary>Gets the namespace from the <c>/ns/</c> segment, or null when the path has none.</summary>
    public string? Namespace { get; }

    /// <summary>Gets the service account from Istio's <c>/sa/</c> segment or Consul's <c>/svc/</c> segment, or null.</summary>
    public string? ServiceAccount { get; }

    /// <summary>Gets a value indicating whether this is Consul Connect's form (<c>/ns/N/dc/D/svc/S</c>).</summary>
    public bool IsConsul { get; }

    /// <summary>
    /// Gets the principal Istio's AuthorizationPolicy matches (<c>source.principals</c>): the ID without
    /// <c>spiffe://</c>, with Consul's form rewritten to Istio's (<c>TRUST_DOMAIN/ns/N/sa/S</c>).
    /// </summary>
    public string Principal => IsConsul ? $"{TrustDomain}/ns/{Namespace}/sa/{ServiceAccount}" : TrustDomain + Path;

    /// <summary>Gets the URI form (<c>spiffe://cluster.local/ns/default/sa/x</c>).</summary>
    public string Uri => "spiffe://" + TrustDomain + Path;

    /// <summary>Creates Istio's form of a workload identity.</summary>
    /// <exception cref="ArgumentException">A part is empty or holds a character a SPIFFE ID may not.</exception>
    public static SpiffeId ForWorkload(string trustDomain, string ns, string serviceAccount)
    {
        var text = $"spiffe://{trustDomain}/ns/{ns}/sa/{serviceAccount}";
        return TryParse(text, out var id, out var error)
            ? id
            : throw new ArgumentException($"'{text}' is not a valid SPIFFE ID: {error}", nameof(serviceAccount));
    }

    /// <summary>Parses a SPIFFE ID.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not a SPIFFE ID; the message says why.</exception>
    public static SpiffeId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException($"'{text}' is not a SPIFFE ID: {error}");

    /// <summary>
    /// Parses a SPIFFE ID as the SPIFFE standard defines it: scheme <c>spiffe</c>, a trust domain of
    /// lower-case letters, digits, dots, dashes and underscores, a path of non-empty segments of letters,
    /// digits, dots, dashes and underscores (no <c>.</c> or <c>..</c> segments), no query, fragment, port or user info.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SpiffeId? id, [NotNullWhen(false)] out string? error)
    {
        id = null;
        const string scheme = "spiffe://";
        if (string.IsNullOrEmpty(text) || !text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "it does not start with spiffe://";
            return false;
        }

        if (text.Length > 2048)
        {
            error = "it is longer than 2048 characters";
            return false;
        }

        var rest = text.AsSpan(scheme.Length);
        var slash = rest.IndexOf('/');
        var domain = (slash < 0 ? rest : rest[..slash]).ToString();
        var path = slash < 0 ? string.Empty : rest[slash..].ToString();
        if (domain.Length == 0)
        {
            error = "the trust domain is empty";
            return false;
        }

        foreach (var c in domain)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_'))
            {
                error = $"the trust domain '{domain}' holds '{c}' (allowed: lower-case letters, digits, '.', '-', '_')";
                return false;
            }
        }

        var segments = path.Length == 0 ? [] : path[1..].Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                error = $"the path '{path}' has an empty, '.' or '..' segment";
                return false;
            }

            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                {
                    error = $"the path segment '{segment}' holds '{c}' (allowed: letters, digits, '.', '-', '_')";
                    return false;
                }
            }
        }

        string? ns = null, sa = null;
        var consul = false;
        if (segments.Length == 4 && segments[0] == "ns" && segments[2] == "sa")
        {
            (ns, sa) = (segments[1], segments[3]);
        }
        else if (segments.Length == 6 && segments[0] == "ns" && segments[2] == "dc" && segments[4] == "svc")
        {
            (ns, sa, consul) = (segments[1], segments[5], true);
        }
        else if (segments.Length >= 2 && segments[0] == "ns")
        {
            ns = segments[1];
        }

        id = new SpiffeId(domain, path, ns, sa, consul);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Uri;
}
