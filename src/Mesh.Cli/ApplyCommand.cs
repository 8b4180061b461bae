using System.Text.Json.Nodes;
using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>
/// <c>meshctl apply -f</c>: validates the documents together with what Consul already holds (a
/// document replaces the stored one of the same kind, namespace and name) and writes none unless
/// all are valid; then writes each with check-and-set, printing created, configured or unchanged.
/// </summary>
internal static class ApplyCommand
{
    public static async Task<int> RunAsync(CommandLine line, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (line.Files.Count == 0 || line.Positional.Count > 0)
        {
            return MeshCtl.Fail(stderr, "apply: name the documents with -f FILE, -f DIR or -f -");
        }

        var (inputs, errors) = InputReader.Read(line.Files, stdin, stdout);
        if (errors.Count > 0)
        {
            InputReader.PrintErrors(errors, stderr);
            stderr.WriteLine("Nothing was written.");
            return MeshCtl.Invalid;
        }

        if (inputs.Count == 0)
        {
            InputReader.PrintNothingFound(line.Files, stderr);
            stderr.WriteLine("Nothing was written.");
            return MeshCtl.Invalid;
        }

        using var client = line.CreateClient();
        var store = new ConfigStore(client, line.Prefix, line.Namespace);
        var (stored, storedErrors) = await store.LoadAsync(cancellationToken).ConfigureAwait(false);

        // The config after the apply: stored documents, each replaced by an input of the same key.
        var byKey = stored.ToDictionary(s => s.Key, s => s.Document);
        var pending = new List<(string Key, MeshDocument Document, JsonObject Json)>();
        foreach (var (document, json) in inputs)
        {
            var key = store.KeyOf(document);
            if (pending.Any(p => p.Key == key))
            {
                errors.Add(new ConfigError(document.DisplayName, "metadata.name", $"{Kinds.Resource(document.Kind, document.Metadata.Name)} appears twice in the input; keep one"));
                continue;
            }

            byKey[key] = document;
            pending.Add((key, document, json));
        }

        errors.AddRange(MeshConfigValidator.Validate(byKey.Values.ToList(), line.Namespace));
        if (errors.Count > 0)
        {
            InputReader.PrintErrors(errors, stderr);
            if (storedErrors.Count > 0)
            {
                stderr.WriteLine($"note: Consul also holds {storedErrors.Count} document(s) that do not parse; 'meshctl get' lists them.");
            }

            stderr.WriteLine("Nothing was written.");
            return MeshCtl.Invalid;
        }

        foreach (var (key, document, json) in pending)
        {
            var text = store.Serialize(document, json);
            var existing = stored.FirstOrDefault(s => s.Key == key);
            var resource = Kinds.Resource(document.Kind, document.Metadata.Name);
            if (existing is not null && JsonNode.DeepEquals(existing.Json, JsonNode.Parse(text)))
            {
                stdout.WriteLine($"{resource} unchanged");
                continue;
            }

            if (!await store.PutAsync(key, text, existing?.ModifyIndex ?? 0, cancellationToken).ConfigureAwait(false))
            {
                stderr.WriteLine($"error: {resource} was changed by someone else while applying; run apply again");
                return MeshCtl.Invalid;
            }

            stdout.WriteLine($"{resource} {(existing is null ? "created" : "configured")}");
        }

        return MeshCtl.Ok;
    }
}
