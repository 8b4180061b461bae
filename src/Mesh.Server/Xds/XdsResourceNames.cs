using System.Globalization;
using Mesh.Configuration;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// Resource names as istiod's proxyless generator (grpcgen) uses them: a client listener is the
/// target exactly as requested (<c>reviews:9080</c>, <c>reviews.default.svc.cluster.local:9080</c>,
/// or <c>reviews</c> without a port), short names resolving in the caller's namespace; its route
/// configuration and clusters are <c>outbound|port|subset|fqdn</c>.
/// </summary>
internal static class XdsResourceNames
{
    /// <summary>Splits a listener name into its service (resolved in <paramref name="callerNamespace"/>) and port; false when it is not <c>host[:port]</c>.</summary>
    public static bool TryParseListener(string name, string callerNamespace, out ServiceKey service, out int? port)
    {
        service = default;
        port = null;
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('|', StringComparison.Ordinal) || name.StartsWith('['))
        {
            return false;
        }

        var host = name;
        var colon = name.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                return false;
            }

            port = p;
            host = name[..colon];
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        service = ServiceKey.Parse(host, callerNamespace);
        return true;
    }

    /// <summary>Istio's name of a cluster or route configuration: <c>outbound|port|subset|fqdn</c>.</summary>
    public static string Outbound(ServiceKey service, string? subset, int? port) => MeshSnapshotCompiler.ClusterName(service, subset, port);

    /// <summary>Splits <c>outbound|port|subset|fqdn</c>; false for any other form.</summary>
    public static bool TryParseOutbound(string name, string callerNamespace, out ServiceKey service, out string? subset, out int? port)
    {
        service = default;
        subset = null;
        port = null;
        var parts = name.Split('|');
        if (parts.Length != 4 || parts[0] != "outbound" || parts[3].Length == 0)
        {
            return false;
        }

        if (parts[1].Length > 0)
        {
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                return false;
            }

            port = p;
        }

        subset = parts[2].Length > 0 ? parts[2] : null;
        service = ServiceKey.Parse(parts[3], callerNamespace);

        // The name must be the canonical form, byte for byte: the client matches responses by name.
        return Outbound(service, subset, port) == name;
    }
}
