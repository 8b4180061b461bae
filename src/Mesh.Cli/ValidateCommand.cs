using Mesh.Configuration;
using Mesh.Registry.Static;

namespace Mesh.Cli;

/// <summary><c>meshctl validate -f</c>: every document of every input, parsed and validated as one config.</summary>
internal static class ValidateCommand
{
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var inputs = new List<string>();
        var ns = "default";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-f" or "--filename" when i + 1 < args.Length:
                    inputs.Add(args[++i]);
                    break;
                case "-n" or "--namespace" when i + 1 < args.Length:
                    ns = args[++i];
                    break;
                default:
                    return MeshCtl.Fail(stderr, $"validate: unknown or incomplete argument '{args[i]}'");
            }
        }

        if (inputs.Count == 0)
        {
            return MeshCtl.Fail(stderr, "validate: name the documents with -f FILE, -f DIR or -f -");
        }

        var documents = new List<MeshDocument>();
        var errors = new List<ConfigError>();
        foreach (var input in inputs)
        {
            if (input == "-")
            {
                var result = MeshDocumentParser.Parse(stdin.ReadToEnd(), "<stdin>");
                documents.AddRange(result.Documents);
                errors.AddRange(result.Errors);
            }
            else if (Directory.Exists(input))
            {
                var (docs, errs) = StaticRegistry.ReadDirectory(input);
                documents.AddRange(docs);
                errors.AddRange(errs);
            }
            else if (File.Exists(input))
            {
                var result = MeshDocumentParser.Parse(File.ReadAllText(input), input);
                documents.AddRange(result.Documents);
                errors.AddRange(result.Errors);
            }
            else
            {
                errors.Add(new ConfigError(input, "", "no such file or directory"));
            }
        }

        if (errors.Count == 0)
        {
            errors.AddRange(MeshConfigValidator.Validate(documents, ns));
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                stderr.WriteLine($"error: {error}");
            }

            stderr.WriteLine($"{errors.Count} error{(errors.Count == 1 ? "" : "s")}; the config is not valid.");
            return MeshCtl.Invalid;
        }

        foreach (var document in documents)
        {
            stdout.WriteLine($"{document.Kind.ToLowerInvariant()}.{document.ApiVersion.Split('/')[0]}/{document.Metadata.Name} valid");
        }

        stdout.WriteLine($"{documents.Count} document{(documents.Count == 1 ? "" : "s")} valid.");
        return MeshCtl.Ok;
    }
}
