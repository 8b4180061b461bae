namespace Mesh.Configuration;

/// <summary>A mesh service: its name and namespace. Short names and FQDNs of a service map to one key.</summary>
/// <param name="Name">The service name, such as <c>reviews</c>; for a host outside the cluster naming scheme, the whole host.</param>
/// <param name="Namespace">The namespace; empty for a host outside the cluster naming scheme.</param>
internal readonly record struct ServiceKey(string Name, string Namespace)
{
    public const string ClusterDomain = "svc.cluster.local";

    /// <summary>Gets the FQDN, as Istio names clusters: <c>reviews.default.svc.cluster.local</c>.</summary>
    public string Fqdn => Namespace.Length == 0 ? Name : $"{Name}.{Namespace}.{ClusterDomain}";

    /// <summary>
    /// Resolves a host as Istio does: <c>reviews</c> is the service in <paramref name="defaultNamespace"/>;
    /// <c>reviews.ns</c>, <c>reviews.ns.svc</c> and <c>reviews.ns.svc.cluster.local</c> name the service in <c>ns</c>.
    /// </summary>
    public static ServiceKey Parse(string host, string defaultNamespace)
    {
        var h = host.Trim().TrimEnd('.').ToLowerInvariant();
        var parts = h.Split('.');
        return parts.Length switch
        {
            1 => new ServiceKey(h, defaultNamespace),
            2 => new ServiceKey(parts[0], parts[1]),
            3 when parts[2] == "svc" => new ServiceKey(parts[0], parts[1]),
            5 when h.EndsWith("." + ClusterDomain, StringComparison.Ordinal) => new ServiceKey(parts[0], parts[1]),
            _ => new ServiceKey(h, ""),
        };
    }

    /// <summary>Gets every host form a caller in <paramref name="callerNamespace"/> may use for this service.</summary>
    public IEnumerable<string> HostAliases(string callerNamespace)
    {
        if (Namespace.Length == 0)
        {
            yield return Name;
            yield break;
        }

        if (Namespace == callerNamespace)
        {
            yield return Name;
        }

        yield return $"{Name}.{Namespace}";
        yield return $"{Name}.{Namespace}.svc";
        yield return Fqdn;
    }

    /// <inheritdoc />
    public override string ToString() => Fqdn;
}
