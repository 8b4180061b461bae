using System.Text.Json.Nodes;
using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>Reads the documents named by -f: files, directories (*.yaml, *.yml, *.json) and standard input.</summary>
internal static class InputReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static (List<(MeshDocument Document, JsonObject Json)> Documents, List<ConfigError> Errors) Read(IEnumerable<string> inputs, TextReader stdin)
    {
        var documents = new List<(MeshDocument, JsonObject)>();
        var errors = new List<ConfigError>();
        void Add(string text, string source)
        {
            var result = MeshDocumentParser.Parse(text, source);
            documents.AddRange(result.Documents.Zip(result.Json));
            errors.AddRange(result.Errors);
        }

        foreach (var input in inputs)
        {
            if (input == "-")
            {
                Add(stdin.ReadToEnd(), "<stdin>");
            }
            else if (Directory.Exists(input))
            {
                foreach (var file in Directory.EnumerateFiles(input)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase) && !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal))
                {
                    Add(File.ReadAllText(file), file);
                }
            }
            else if (File.Exists(input))
            {
                Add(File.ReadAllText(input), input);
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
