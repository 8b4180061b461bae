using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Cli;

/// <summary><c>meshctl get KIND [NAME] [-o yaml|json]</c>: a table of the stored documents, or the documents themselves.</summary>
internal static class GetCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(CommandLine line, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (line.Positional.Count is < 1 or > 2 || line.Files.Count > 0)
        {
            return MeshCtl.Fail(stderr, "get: use 'get KIND [NAME] [-o yaml|json]'");
        }

        var kind = Kinds.Parse(line.Positional[0]);
        var name = line.Positional.ElementAtOrDefault(1);
        using var client = line.CreateClient();
        var store = new ConfigStore(client, line.Prefix, line.Namespace);
        var (stored, errors) = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var error in errors)
        {
            stderr.WriteLine($"warning: {error}");
        }

        var selected = stored
            .Where(s => s.Document.Kind == kind && (s.Document.Metadata.Namespace ?? line.Namespace) == line.Namespace && (name is null || s.Document.Metadata.Name == name))
            .ToList();
        if (name is not null && selected.Count == 0)
        {
            stderr.WriteLine($"error: {Kinds.Resource(kind, name).Replace("/", " \"", StringComparison.Ordinal)}\" not found in namespace {line.Namespace}");
            return MeshCtl.Invalid;
        }

        if (line.Output is null)
        {
            if (selected.Count == 0)
            {
                stderr.WriteLine($"No resources found in {line.Namespace} namespace.");
                return MeshCtl.Ok;
            }

            var rows = selected.Select(s => (s.Document.Metadata.Name, Hosts(s.Document))).ToList();
            var width = Math.Max(4, rows.Max(r => r.Name.Length)) + 3;
            stdout.WriteLine($"{"NAME".PadRight(width)}{kind switch { VirtualService.KindName => "HOSTS", AuthorizationPolicy.KindName => "ACTION", _ => "HOST" }}");
            foreach (var (rowName, hosts) in rows)
            {
                stdout.WriteLine($"{rowName.PadRight(width)}{hosts}");
            }

            return MeshCtl.Ok;
        }

        var nodes = selected.Select(s => s.Json.DeepClone()).ToList();
        var output = name is not null ? nodes[0] : new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. nodes]) };
        stdout.Write(line.Output == "json" ? output.ToJsonString(Indented) + Environment.NewLine : YamlJson.ToYaml(output));
        return MeshCtl.Ok;
    }

    private static string Hosts(MeshDocument document) => document switch
    {
        VirtualService vs => $"[{string.Join(",", vs.Spec.Hosts)}]",
        DestinationRule dr => dr.Spec.Host,
        AuthorizationPolicy ap => ap.Spec.Action,
        _ => "",
    };
}
