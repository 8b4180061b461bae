using System.Text;
using Envoy.Config.Core.V3;
using Mesh.Snapshot;

namespace Mesh.Server.Xds;

/// <summary>
/// The caller identity a node declares, as istio-agent writes it into the gRPC bootstrap: metadata
/// <c>NAMESPACE</c> and <c>LABELS</c> (a struct of strings); else the namespace of a node id of Istio's
/// form <c>sidecar~ip~pod.ns~ns.svc.cluster.local</c>; else the server's default namespace.
/// </summary>
internal static class XdsNodeIdentity
{
    public static MeshIdentity From(Node? node, string defaultNamespace)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? ns = null;
        string? ip = null;
        if (node is not null)
        {
            var fields = node.Metadata?.Fields;
            if (fields is not null && fields.TryGetValue("NAMESPACE", out var nsValue) && nsValue.KindCase == Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue && nsValue.StringValue.Length > 0)
            {
                ns = nsValue.StringValue;
            }

            if (fields is not null && fields.TryGetValue("LABELS", out var labelsValue) && labelsValue.StructValue is { } labelStruct)
            {
                foreach (var (key, value) in labelStruct.Fields)
                {
                    if (value.KindCase == Google.Protobuf.WellKnownTypes.Value.KindOneofCase.StringValue)
                    {
                        labels[key] = value.StringValue;
                    }
                }
            }

            var parts = node.Id.Split('~');
            if (parts.Length == 4)
            {
                ip = parts[1];
                var domain = parts[3].Split('.');
                ns ??= domain.Length > 0 && domain[0].Length > 0 ? domain[0] : null;
            }
        }

        var service = labels.TryGetValue("app", out var app) ? app : "";
        return new MeshIdentity(service, ns ?? defaultNamespace, labels, ip is { Length: > 0 } ? ip : "127.0.0.1");
    }

    /// <summary>Gets the key of the compiled views: the fields compilation depends on (namespace and labels).</summary>
    public static string KeyOf(MeshIdentity identity)
    {
        var key = new StringBuilder(identity.Namespace);
        foreach (var (name, value) in identity.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            key.Append('\n').Append(name).Append('=').Append(value);
        }

        return key.ToString();
    }
}
