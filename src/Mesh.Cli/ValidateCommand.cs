using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary><c>meshctl validate -f</c>: every document of every input, parsed and validated as one config.</summary>
internal static class ValidateCommand
{
    public static int Run(CommandLine line, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (line.Files.Count == 0 || line.Positional.Count > 0)
        {
            return MeshCtl.Fail(stderr, "validate: name the documents with -f FILE, -f DIR or -f -");
        }

        var (documents, errors) = InputReader.Read(line.Files, stdin, stdout);
        if (errors.Count == 0 && documents.Count == 0)
        {
            InputReader.PrintNothingFound(line.Files, stderr);
            return MeshCtl.Invalid;
        }

        if (errors.Count == 0)
        {
            errors.AddRange(MeshConfigValidator.Validate(documents.Select(d => d.Document).ToList(), line.Namespace));
        }

        if (errors.Count > 0)
        {
            InputReader.PrintErrors(errors, stderr);
            if (errors.Any(e => e.Message.Contains("is not defined by any DestinationRule", StringComparison.Ordinal)))
            {
                // validate reads only its inputs (apply also looks at what Consul holds).
                stderr.WriteLine("validate checks the files given as one config: name the DestinationRule's file too, such as -f destination-rule-all.yaml.");
            }

            return MeshCtl.Invalid;
        }

        foreach (var (document, _) in documents)
        {
            stdout.WriteLine($"{Kinds.Resource(document.Kind, document.Metadata.Name)} valid");
            if (document is VirtualService { AppliesToMesh: false } bound)
            {
                stdout.WriteLine($"note: {bound.DisplayName} is bound to gateways [{string.Join(", ", bound.Spec.Gateways)}] without 'mesh', so it does not apply to mesh traffic (Istio's rule)");
            }
        }

        stdout.WriteLine($"{documents.Count} document{(documents.Count == 1 ? "" : "s")} valid.");
        return MeshCtl.Ok;
    }
}
