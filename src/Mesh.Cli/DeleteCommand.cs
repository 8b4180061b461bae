using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>
/// <c>meshctl delete -f FILE</c> or <c>meshctl delete KIND NAME</c>: refuses a delete that would
/// leave the config invalid (a subset still referenced, say), and deletes with check-and-set.
/// </summary>
internal static class DeleteCommand
{
    public static async Task<int> RunAsync(CommandLine line, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var targets = new List<(string Kind, string Name, string? Namespace)>();
        if (line.Files.Count > 0 && line.Positional.Count == 0)
        {
            var (inputs, errors) = InputReader.Read(line.Files, stdin);
            if (errors.Count > 0)
            {
                InputReader.PrintErrors(errors, stderr);
                stderr.WriteLine("Nothing was deleted.");
                return MeshCtl.Invalid;
            }

            if (inputs.Count == 0)
            {
                InputReader.PrintNothingFound(line.Files, stderr);
                stderr.WriteLine("Nothing was deleted.");
                return MeshCtl.Invalid;
            }

            targets.AddRange(inputs.Select(i => (i.Document.Kind, i.Document.Metadata.Name, i.Document.Metadata.Namespace)));
        }
        else if (line.Files.Count == 0 && line.Positional.Count == 2)
        {
            targets.Add((Kinds.Parse(line.Positional[0]), line.Positional[1], null));
        }
        else
        {
            return MeshCtl.Fail(stderr, "delete: use 'delete -f FILE' or 'delete KIND NAME'");
        }

        using var client = line.CreateClient();
        var store = new ConfigStore(client, line.Prefix, line.Namespace);
        var (stored, _) = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var keys = targets.Select(t => Registry.Consul.ConsulConfigKeys.For(store.Prefix, t.Kind, t.Namespace ?? line.Namespace, t.Name)).ToList();

        var missing = targets.Zip(keys).Where(t => stored.All(s => s.Key != t.Second)).ToList();
        foreach (var ((kind, name, _), _) in missing)
        {
            stderr.WriteLine($"error: {Kinds.Resource(kind, name).Replace("/", " \"", StringComparison.Ordinal)}\" not found in namespace {line.Namespace}");
        }

        if (missing.Count > 0)
        {
            return MeshCtl.Invalid;
        }

        var remaining = stored.Where(s => !keys.Contains(s.Key)).Select(s => s.Document).ToList();
        var errorsAfter = MeshConfigValidator.Validate(remaining, line.Namespace);
        if (errorsAfter.Count > 0)
        {
            stderr.WriteLine("error: deleting would leave the mesh config invalid:");
            InputReader.PrintErrors(errorsAfter, stderr);
            stderr.WriteLine("Nothing was deleted.");
            return MeshCtl.Invalid;
        }

        foreach (var (target, key) in targets.Zip(keys))
        {
            var existing = stored.Single(s => s.Key == key);
            if (!await store.DeleteAsync(key, existing.ModifyIndex, cancellationToken).ConfigureAwait(false))
            {
                stderr.WriteLine($"error: {Kinds.Resource(target.Kind, target.Name)} was changed by someone else while deleting; run delete again");
                return MeshCtl.Invalid;
            }

            stdout.WriteLine($"{Kinds.Resource(target.Kind, target.Name).Replace("/", " \"", StringComparison.Ordinal)}\" deleted");
        }

        return MeshCtl.Ok;
    }
}
