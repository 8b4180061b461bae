using System.Text.Json.Nodes;
using Mesh.Configuration;
using Mesh.Configuration.Internal;

namespace Mesh.Cli;

/// <summary>Reads the documents named by -f: files, directories (*.yaml, *.yml, *.json) and standard input.</summary>
internal static class InputReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Reads every input; documents of kinds a proxyless mesh has no use for are set aside, each said once on <paramref name="stdout"/>.</summary>
    public static (List<(MeshDocument Document, JsonObject Json)> Documents, List<ConfigError> Errors) Read(IEnumerable<string> inputs, TextReader stdin, TextWriter? stdout = null)
    {
        var documents = new List<(MeshDocument, JsonObject)>();
        var errors = new List<ConfigError>();
        void Add(string text, string source)
        {
            var result = MeshDocumentParser.Parse(text, source, keepJson: true);
            documents.AddRange(result.Documents.Zip(result.Json));
            errors.AddRange(result.Errors);
            foreach (var skipped in result.Skipped)
            {
                stdout?.WriteLine(skipped);
            }
        }

        void AddFile(string file)
        {
            try
            {
                if (DocumentLimits.TryReadFile(file, out var text, out var error))
                {
                    Add(text, file);
                }
                else
                {
                    errors.Add(error!);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new ConfigError(file, "", $"could not be read: {ex.Message}"));
            }
        }

        foreach (var input in inputs)
        {
            if (input == "-")
            {
                if (DocumentLimits.TryRead(stdin, "<stdin>", out var text, out var error))
                {
                    Add(text, "<stdin>");
                }
                else
                {
                    errors.Add(error!);
                }
            }
            else if (Directory.Exists(input))
            {
                foreach (var file in Directory.EnumerateFiles(input)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase) && !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal))
                {
                    AddFile(file);
                }
            }
            else if (File.Exists(input))
            {
                AddFile(input);
            }
            else
            {
                errors.Add(new ConfigError(input, "", "no such file or directory"));
            }
        }

        return (documents, errors);
    }

    /// <summary>Says that the inputs hold no document (an empty directory, say), as an error: a command given nothing has nothing to do.</summary>
    public static void PrintNothingFound(IReadOnlyCollection<string> inputs, TextWriter stderr)
    {
        var where = string.Join(", ", inputs.Select(i => i == "-" ? "<stdin>" : i));
        var hint = inputs.Any(i => i != "-" && Directory.Exists(i)) ? " (a directory's *.yaml, *.yml and *.json files are read)" : "";
        stderr.WriteLine($"error: no documents found in {where}{hint}");
    }

    public static void PrintErrors(IReadOnlyCollection<ConfigError> errors, TextWriter stderr)
    {
        foreach (var error in errors)
        {
            stderr.WriteLine($"error: {error}");
        }

        stderr.WriteLine($"{errors.Count} error{(errors.Count == 1 ? "" : "s")}; the config is not valid.");
    }
}
