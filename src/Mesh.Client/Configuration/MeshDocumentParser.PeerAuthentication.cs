using Mesh.Configuration.Internal;

namespace Mesh.Configuration;

internal static partial class MeshDocumentParser
{
    private static PeerAuthentication? ReadPeerAuthentication(MappingReader top, ParseContext context, string? apiVersion, ObjectMetadata? metadata, DocumentSource source)
    {
        var spec = top.Object("spec", ReadPeerAuthenticationSpec);
        if (spec is null)
        {
            // Istio accepts a PeerAuthentication without spec: it sets nothing (every mode inherited).
            spec = new PeerAuthenticationSpec();
        }

        return metadata is null ? null : new PeerAuthentication { ApiVersion = apiVersion ?? "", Metadata = metadata, Source = source, Spec = spec };
    }

    private static PeerAuthenticationSpec ReadPeerAuthenticationSpec(MappingReader m)
    {
        var selector = m.Object("selector", s => s.StringMap("matchLabels"));
        var mode = m.Object("mtls", ReadMtls)?.Mode;
        var ports = new List<KeyValuePair<int, string>>();
        foreach (var (key, value) in m.Map("portLevelMtls", ReadMtls))
        {
            var path = m.Join($"portLevelMtls.{key}");
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                m.Context.Error(path, $"'{key}' is not a port number; use 1-65535 (Istio: port cannot be 0)");
                continue;
            }

            ports.Add(new(port, value.Mode ?? PeerAuthenticationModes.Unset));
        }

        if (ports.Count > 0 && (selector is null || selector.Count == 0))
        {
            m.Context.Error(m.Join("portLevelMtls"), "requires a selector (Istio: portLevelMtls applies to the workloads a selector names); add selector.matchLabels or remove it");
        }

        return new PeerAuthenticationSpec
        {
            Selector = selector,
            Mode = mode,
            PortLevelMtls = new ValueList<KeyValuePair<int, string>>([.. ports.OrderBy(p => p.Key)]),
        };
    }

    private static MtlsHolder ReadMtls(MappingReader m)
    {
        var mode = m.String("mode");
        if (mode is not null && !PeerAuthenticationModes.All.Contains(mode, StringComparer.Ordinal))
        {
            m.Context.Error(m.Join("mode"), $"'{mode}' is not a mode; use UNSET, DISABLE, PERMISSIVE or STRICT");
            mode = null;
        }

        return new MtlsHolder(mode);
    }

    private sealed record MtlsHolder(string? Mode);
}
