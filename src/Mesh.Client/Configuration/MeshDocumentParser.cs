using Mesh.Configuration.Internal;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Configuration;

/// <summary>Parses Istio config documents from YAML or JSON text, several per text (<c>---</c>).</summary>
internal static partial class MeshDocumentParser
{
    private static readonly string[] NetworkingVersions = ["v1alpha3", "v1beta1", "v1"];

    private static readonly HashSet<string> IstioKinds =
    [
        "VirtualService", "DestinationRule", "ServiceEntry", "Sidecar", "WorkloadEntry", "WorkloadGroup", "EnvoyFilter", "ProxyConfig",
        "PeerAuthentication", "AuthorizationPolicy", "RequestAuthentication", "Telemetry", "WasmPlugin",
    ];

    /// <summary>Parses every document in <paramref name="text"/>, collecting every error rather than stopping at the first.</summary>
    /// <param name="text">YAML or JSON text with one or more documents.</param>
    /// <param name="sourceName">The file path or source name used in messages.</param>
    /// <param name="keepJson">Whether to keep each document as JSON too (meshctl stores and prints it; a service has no use for it).</param>
    /// <returns>The documents that parsed, and every error found.</returns>
    public static MeshParseResult Parse(string text, string sourceName, bool keepJson = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var errors = new List<ConfigError>();
        var documents = new List<MeshDocument>();
        var json = new List<System.Text.Json.Nodes.JsonObject>();
        var skipped = new List<SkippedDocument>();
        if (text.Length > DocumentLimits.MaxFileChars)
        {
            errors.Add(DocumentLimits.TooLarge(sourceName, text.Length, "characters"));
            return new MeshParseResult(documents, errors);
        }

        // A BOM may start any document (YAML 1.2), as it does where files were joined with cat.
        text = StripByteOrderMarks(text);

        // The limits are checked on the event stream as YamlStream consumes it: building nodes
        // recurses and aliases multiply what reading costs, so it stops at the first event past a limit.
        var stream = new YamlStream();
        var budget = new YamlBudget(new Parser(new StringReader(text)));
        try
        {
            stream.Load(budget);
        }
        catch (YamlBudgetException ex)
        {
            errors.Add(new ConfigError(new DocumentSource(sourceName, ex.Line).ToString(), "", ex.Message));
            return new MeshParseResult(documents, errors);
        }
        catch (YamlException ex)
        {
            // Some scanner errors (a tab used as indentation) report where the enclosing mapping began: say where reading stopped too.
            var where = ex.Start.Line == 1 && budget.LastLine > 1 ? $"at line {ex.Start.Line}, column {ex.Start.Column} (reading stopped after line {budget.LastLine})" : $"at line {ex.Start.Line}, column {ex.Start.Column}";
            errors.Add(new ConfigError(sourceName, "", $"is not valid YAML or JSON {where}: {ex.InnerException?.Message ?? ex.Message}"));
            return new MeshParseResult(documents, errors);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or InvalidCastException)
        {
            // YamlDotNet reports some malformed input with general exceptions; they are still the input's fault.
            // YamlDotNet says "Operation is not valid due to the current state of the object" for an unclosed [ or { followed by more keys.
            // That text says nothing to a user, so it is left out; the others name what was wrong.
            var detail = ex is InvalidOperationException ? "" : ": " + ex.Message;
            errors.Add(new ConfigError(sourceName, "", $"is not valid YAML or JSON: reading stopped after line {budget.LastLine} (an unclosed '[', '{{' or quote before it?){detail}"));
            return new MeshParseResult(documents, errors);
        }

        foreach (var yamlDocument in stream.Documents)
        {
            var root = yamlDocument.RootNode;
            if (ParseContext.IsNull(root))
            {
                continue; // an empty document, as a trailing '---' leaves
            }

            YamlMerge.Apply(root);
            foreach (var item in ListItems(root, sourceName, errors))
            {
                if (Skip(item, new DocumentSource(sourceName, (int)item.Start.Line)) is { } skip)
                {
                    skipped.Add(skip);
                    continue;
                }

                var document = ReadDocument(item, new DocumentSource(sourceName, (int)item.Start.Line), errors);
                if (document is not null)
                {
                    documents.Add(document);
                    if (keepJson)
                    {
                        json.Add((System.Text.Json.Nodes.JsonObject)YamlJson.ToJson(item)!);
                    }
                }
            }
        }

        return new MeshParseResult(documents, errors) { Json = json, Skipped = skipped };
    }

    /// <summary>
    /// A document a proxyless mesh has no use for: an Istio or Gateway API Gateway (there is no gateway proxy to
    /// configure), or a Kubernetes object (a Service, a Deployment, a gateway.networking.k8s.io route), as Istio's
    /// samples put beside the rules. Set aside with the reason; anything else is read, and refused if it is not valid.
    /// </summary>
    private static SkippedDocument? Skip(YamlNode item, DocumentSource source)
    {
        if (item is not YamlMappingNode mapping ||
            Scalar(mapping, "kind") is not { Length: > 0 } kind ||
            Scalar(mapping, "apiVersion") is not { Length: > 0 } apiVersion)
        {
            return null;
        }

        var name = mapping.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadata) && metadata is YamlMappingNode m ? Scalar(m, "name") : null;
        // "v1" and "apps/v1" are Kubernetes' own groups; a group has a dot ("networking.istio.io", with or without "/v1").
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash >= 0 ? apiVersion[..slash] : apiVersion.Contains('.', StringComparison.Ordinal) ? apiVersion : "";
        if (kind == "Gateway" && group is "networking.istio.io" or "gateway.networking.k8s.io")
        {
            return new SkippedDocument(kind, name, source, "a proxyless mesh has no gateway proxy to configure; VirtualServices bound only to gateways do not apply to mesh traffic");
        }

        // Kubernetes' own kinds (core, apps, batch, autoscaling, policy, *.k8s.io) are set aside; anything else is
        // read, and refused with the reason if it is not a kind Mesh reads (an Istio kind Mesh lacks, another mesh's CRD).
        var kubernetes = group is "" or "apps" or "batch" or "autoscaling" or "policy" || group.EndsWith(".k8s.io", StringComparison.Ordinal);
        return IstioKinds.Contains(kind) || !kubernetes
            ? null
            : new SkippedDocument(kind, name, source, $"{kind} of {apiVersion} is a Kubernetes object, not mesh config; a proxyless mesh has no use for it");

        static string? Scalar(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text } ? text : null;
    }

    private static string StripByteOrderMarks(string text)
    {
        if (!text.Contains('\uFEFF', StringComparison.Ordinal))
        {
            return text;
        }

        // At the start of the text and of a line only: elsewhere it is content, and the reader says so.
        text = text.StartsWith('\uFEFF') ? text[1..] : text;
        return text.Replace("\n\uFEFF", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// The documents of one YAML document: itself, or the items of a <c>kind: List</c>, as
    /// <c>kubectl get -o yaml</c> writes several objects.
    /// </summary>
    private static IEnumerable<YamlNode> ListItems(YamlNode root, string sourceName, List<ConfigError> errors)
    {
        if (root is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) || kind is not YamlScalarNode { Value: "List" })
        {
            return [root];
        }

        var context = new ParseContext(errors) { Document = $"List ({new DocumentSource(sourceName, (int)root.Start.Line)})" };
        var list = context.Mapping(root, "")!;
        list.String("apiVersion");
        list.String("kind");
        list.Raw("metadata"); // resourceVersion and the like, written by kubectl; no intent
        var items = list.Raw("items");
        list.Done();
        switch (items)
        {
            case null:
                return [];
            case YamlSequenceNode sequence:
                return sequence.Children.Where(c => !ParseContext.IsNull(c));
            default:
                context.Error("items", items, "must be a list of documents");
                return [];
        }
    }

    private static MeshDocument? ReadDocument(YamlNode root, DocumentSource source, List<ConfigError> errors)
    {
        var context = new ParseContext(errors) { Document = $"document ({source})" };
        var top = context.Mapping(root, "");
        if (top is null)
        {
            return null;
        }

        var apiVersion = top.String("apiVersion");
        var kind = top.String("kind");
        var metadata = top.Object("metadata", ReadMetadata);
        context.Document = DocumentRef.Describe(kind ?? "<no kind>", metadata?.Namespace, metadata?.Name, source);
        var before = context.ErrorCount;

        if (string.IsNullOrEmpty(kind))
        {
            context.Error("kind", "is required: VirtualService or DestinationRule");
        }

        if (string.IsNullOrEmpty(apiVersion))
        {
            context.Error("apiVersion", "is required, such as networking.istio.io/v1");
        }

        if (metadata is null || string.IsNullOrEmpty(metadata.Name))
        {
            context.Error("metadata.name", "is required");
        }

        var expectedGroup = kind switch
        {
            VirtualService.KindName or DestinationRule.KindName or "ServiceEntry" or "Gateway" or "Sidecar" or "WorkloadEntry" => "networking.istio.io",
            "PeerAuthentication" or "AuthorizationPolicy" or "RequestAuthentication" => "security.istio.io",
            _ => null,
        };
        if (!string.IsNullOrEmpty(apiVersion) && expectedGroup is not null)
        {
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var group = slash < 0 ? apiVersion : apiVersion[..slash];
            var version = slash < 0 ? "" : apiVersion[(slash + 1)..];
            if (group != expectedGroup || !NetworkingVersions.Contains(version))
            {
                context.Error("apiVersion", $"'{apiVersion}' is not an apiVersion of {kind}; use {expectedGroup}/v1, v1beta1 or v1alpha3");
            }
        }

        MeshDocument? document = null;
        switch (kind)
        {
            case VirtualService.KindName:
                var vs = top.Object("spec", ReadVirtualServiceSpec);
                if (vs is null)
                {
                    context.Error("spec", "is required");
                }
                else if (metadata is not null)
                {
                    document = new VirtualService { ApiVersion = apiVersion ?? "", Metadata = metadata, Source = source, Spec = vs };
                }

                break;
            case DestinationRule.KindName:
                var dr = top.Object("spec", ReadDestinationRuleSpec);
                if (dr is null)
                {
                    context.Error("spec", "is required");
                }
                else if (metadata is not null)
                {
                    document = new DestinationRule { ApiVersion = apiVersion ?? "", Metadata = metadata, Source = source, Spec = dr };
                }

                break;
            case AuthorizationPolicy.KindName:
                document = ReadAuthorizationPolicy(top, metadata, apiVersion, source);
                break;
            case PeerAuthentication.KindName:
                document = ReadPeerAuthentication(top, context, apiVersion, metadata, source);
                break;
            case null or "":
                top.Raw("spec");
                break;
            default:
                top.Raw("spec");
                context.Error("kind", expectedGroup is null
                    ? $"'{kind}' is not a kind Mesh knows; use VirtualService or DestinationRule"
                    : $"'{kind}' is not supported by Mesh yet; Mesh reads VirtualService and DestinationRule");
                break;
        }

        top.Raw("status"); // written back by Kubernetes; carries no intent
        top.Done();
        return context.ErrorCount == before ? document : null;
    }

    private static ObjectMetadata ReadMetadata(MappingReader m)
    {
        var result = new ObjectMetadata
        {
            Name = m.String("name") ?? "",
            Namespace = m.String("namespace"),
            Labels = m.StringMap("labels"),
            Annotations = m.StringMap("annotations"),
        };

        // Fields kubectl adds on export; they carry no intent.
        foreach (var field in (string[])["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"])
        {
            m.Raw(field);
        }

        return result;
    }

    private static StringMatch ReadStringMatch(MappingReader m)
    {
        var result = new StringMatch { Exact = m.String("exact"), Prefix = m.String("prefix"), Regex = m.String("regex") };
        var set = (result.Exact is null ? 0 : 1) + (result.Prefix is null ? 0 : 1) + (result.Regex is null ? 0 : 1);
        if (set > 1)
        {
            m.Context.Error(m.Path, "set only one of exact, prefix or regex");
        }

        return result;
    }
}
