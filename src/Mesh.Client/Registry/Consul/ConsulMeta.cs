using System.Globalization;
using Mesh.Configuration.Internal;

namespace Mesh.Registry.Consul;

/// <summary>Service Meta keys with a meaning to the mesh; every other key is a label.</summary>
internal static class ConsulMeta
{
    /// <summary>The mesh namespace of the instance (Consul OSS has none of its own).</summary>
    public const string Namespace = "mesh-namespace";

    /// <summary>The service account the instance runs as (its SPIFFE ID's <c>sa</c>); absent means the service name.</summary>
    public const string ServiceAccount = "service-account";

    /// <summary>
    /// Istio's <c>security.istio.io/tlsMode</c> label (Consul Meta keys allow only letters, digits, '-' and '_'):
    /// <c>istio</c> when the instance accepts mTLS. Mesh sets it on registration when the service serves with <c>UseMesh()</c>.
    /// </summary>
    public const string TlsMode = "mesh-tls-mode";

    /// <summary>
    /// The prefix of a named port: <c>port-grpc-ratings</c> = <c>9090</c> (service port 9090, at the registered address
    /// on port 9090) or <c>9090:51001</c> (service port 9090, the instance's port 51001). Consul 1.8 registers one port
    /// per service instance; its Meta carries the others.
    /// </summary>
    public const string PortPrefix = "port-";

    /// <summary>Gets the Meta value of a named port: <c>port</c>, or <c>port:targetPort</c> when they differ.</summary>
    public static string PortValue(int port, int targetPort) =>
        port == targetPort ? port.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{port}:{targetPort}");

    /// <summary>Reads a Meta entry as a named port; false when the key is not <c>port-&lt;name&gt;</c> or the value is not a port (then it stays a label).</summary>
    public static bool TryParsePort(string key, string value, out InstancePort? port)
    {
        port = null;
        if (!key.StartsWith(PortPrefix, StringComparison.Ordinal) || key.Length == PortPrefix.Length)
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var first = colon < 0 ? value : value[..colon];
        var second = colon < 0 ? value : value[(colon + 1)..];
        if (!TryPort(first, out var servicePort) || !TryPort(second, out var targetPort))
        {
            return false;
        }

        port = new InstancePort(key[PortPrefix.Length..], servicePort, targetPort);
        return true;
    }

    /// <summary>Splits Meta into labels and named ports.</summary>
    public static (Dictionary<string, string> Labels, ValueList<InstancePort>? Ports) Split(IReadOnlyDictionary<string, string> meta)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        List<InstancePort>? ports = null;
        foreach (var (key, value) in meta)
        {
            if (key == Namespace)
            {
                continue;
            }

            if (TryParsePort(key, value, out var port))
            {
                (ports ??= []).Add(port!);
            }
            else
            {
                labels[key] = value;
            }
        }

        return (labels, ports is null ? null : new ValueList<InstancePort>([.. ports.OrderBy(p => p.Port)]));
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
