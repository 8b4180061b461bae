namespace Mesh.Cli;

/// <summary>meshctl: the command line of the mesh. Exit codes: 0 ok, 1 invalid input, 2 usage error.</summary>
internal static class MeshCtl
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    public const string UsageText = """
        meshctl: validate Mesh's Istio config documents.

        usage:
          meshctl validate -f FILE|DIR|- [-f ...] [-n NAMESPACE]
              Parse and validate every document (YAML or JSON, several per file), as one config:
              subsets must be defined by a DestinationRule among the files given.
              Prints every error with its document, field path and fix; exit 1 if any.
          meshctl help

        options:
          -f, --filename   a file, a directory (its *.yaml, *.yml, *.json) or - for standard input
          -n, --namespace  the namespace of documents that name none (default: default)
        """;

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(UsageText);
            return args.Length == 0 ? Usage : Ok;
        }

        return args[0] switch
        {
            "validate" => ValidateCommand.Run(args[1..], stdin, stdout, stderr),
            _ => Fail(stderr, $"unknown command '{args[0]}'"),
        };
    }

    public static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("Run 'meshctl help' for usage.");
        return Usage;
    }
}
