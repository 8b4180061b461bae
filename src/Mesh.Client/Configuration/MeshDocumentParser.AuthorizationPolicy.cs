using Mesh.Configuration.Internal;

namespace Mesh.Configuration;

internal static partial class MeshDocumentParser
{
    /// <summary>Why the fields of RequestAuthentication (JWT) are refused: nothing in Mesh authenticates a request's end user yet.</summary>
    private const string NeedsRequestAuthentication = "until RequestAuthentication (JWT) is supported";

    private static AuthorizationPolicy? ReadAuthorizationPolicy(MappingReader top, ObjectMetadata? metadata, string? apiVersion, DocumentSource source)
    {
        // "spec: {}" and no spec at all are the same policy to Istio: ALLOW with no rules, which denies every request.
        var spec = top.Object("spec", ReadAuthorizationPolicySpec) ?? new AuthorizationPolicySpec();
        return metadata is null ? null : new AuthorizationPolicy { ApiVersion = apiVersion ?? "", Metadata = metadata, Source = source, Spec = spec };
    }

    private static AuthorizationPolicySpec ReadAuthorizationPolicySpec(MappingReader m)
    {
        var spec = new AuthorizationPolicySpec
        {
            Selector = m.Object("selector", s => new WorkloadSelector { MatchLabels = s.StringMap("matchLabels") }),
            TargetRef = m.Object("targetRef", ReadTargetRef),
            TargetRefs = m.List("targetRefs", ReadTargetRef),
            Action = m.String("action") ?? AuthorizationActions.Allow,
            Rules = m.List("rules", ReadRule),
            HasProvider = m.Raw("provider") is not null,
        };
        return spec;
    }

    private static PolicyTargetReference ReadTargetRef(MappingReader m) => new()
    {
        Group = m.String("group") ?? "",
        Kind = m.String("kind") ?? "",
        Name = m.String("name") ?? "",
        Namespace = m.String("namespace"),
    };

    private static Rule ReadRule(MappingReader m) => new()
    {
        // null when absent (matches every request); empty when written as [] (Istio refuses it).
        From = m.Has("from") ? Present(m.List("from", f => ReadWrapped(f, "source", ReadSource))) : Absent<Source>(m, "from"),
        To = m.Has("to") ? Present(m.List("to", t => ReadWrapped(t, "operation", ReadOperation))) : Absent<Operation>(m, "to"),
        When = m.List("when", ReadCondition),
    };

    /// <summary>The entries that were read; one without its source (operation) was reported by <see cref="ReadWrapped"/>.</summary>
    private static ValueList<T> Present<T>(IReadOnlyList<T?> items)
        where T : class => new([.. items.OfType<T>()]);

    private static ValueList<T>? Absent<T>(MappingReader m, string field)
    {
        m.Raw(field); // a null value: read, and the same as absent
        return null;
    }

    /// <summary>Reads <c>from[i].source</c> or <c>to[i].operation</c>: Istio refuses an entry without it.</summary>
    private static T? ReadWrapped<T>(MappingReader m, string field, Func<MappingReader, T> read)
        where T : class
    {
        var value = m.Object(field, read);
        if (value is null)
        {
            m.Context.Error(m.Join(field), "is required: an entry without it would match every request; remove the entry or fill it in");
        }

        return value;
    }

    private static Source ReadSource(MappingReader m)
    {
        var source = new Source
        {
            Principals = m.StringList("principals"),
            NotPrincipals = m.StringList("notPrincipals"),
            Namespaces = m.StringList("namespaces"),
            NotNamespaces = m.StringList("notNamespaces"),
            IpBlocks = m.StringList("ipBlocks"),
            NotIpBlocks = m.StringList("notIpBlocks"),
            RemoteIpBlocks = m.StringList("remoteIpBlocks"),
            NotRemoteIpBlocks = m.StringList("notRemoteIpBlocks"),
        };
        m.Unsupported(NeedsRequestAuthentication, "requestPrincipals", "notRequestPrincipals");
        m.Unsupported("yet; name the service accounts in principals (cluster.local/ns/NAMESPACE/sa/ACCOUNT)", "serviceAccounts", "notServiceAccounts");
        return source;
    }

    private static Operation ReadOperation(MappingReader m) => new()
    {
        Hosts = m.StringList("hosts"),
        NotHosts = m.StringList("notHosts"),
        Ports = m.StringList("ports"),
        NotPorts = m.StringList("notPorts"),
        Methods = m.StringList("methods"),
        NotMethods = m.StringList("notMethods"),
        Paths = m.StringList("paths"),
        NotPaths = m.StringList("notPaths"),
    };

    private static Condition ReadCondition(MappingReader m) => new()
    {
        Key = m.RequiredString("key"),
        Values = m.StringList("values"),
        NotValues = m.StringList("notValues"),
    };
}
