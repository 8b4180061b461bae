using Mesh.Registry.Consul;

namespace Mesh.Cli;

/// <summary>meshctl: the command line of the mesh. Exit codes: 0 ok, 1 invalid input, 2 Consul unreachable.</summary>
internal static class MeshCtl
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int Unreachable = 2;

    public const string UsageText = """
        meshctl: apply, inspect and validate Mesh's Istio config (VirtualService, DestinationRule).

        usage:
          meshctl apply -f FILE|DIR|- [-f ...]      validate every document, then store them all in Consul
          meshctl delete -f FILE|DIR|-              delete the documents named in the files
          meshctl delete KIND NAME                  delete one document
          meshctl get KIND [NAME] [-o yaml|json]    list documents, or print one
          meshctl describe service NAME             instances and health, subsets, compiled routes
          meshctl validate -f FILE|DIR|- [-f ...]   validate without Consul
          meshctl help

        KIND: virtualservice (vs) or destinationrule (dr), singular or plural.

        options:
          -f, --filename   a file, a directory (its *.yaml, *.yml, *.json) or - for standard input
          -n, --namespace  the namespace (default: default)
          --consul ADDR    Consul's HTTP address (default: CONSUL_HTTP_ADDR, else http://127.0.0.1:8500);
                           the token comes from CONSUL_HTTP_TOKEN, an https CA from CONSUL_CACERT
          --prefix P       the KV prefix of the mesh config (default: mesh/config/)

        exit codes: 0 ok, 1 invalid input (every error is printed), 2 Consul unreachable.
        """;

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdin, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(UsageText);
            return args.Length == 0 ? Invalid : Ok;
        }

        CommandLine line;
        try
        {
            line = CommandLine.Parse(args[1..]);
        }
        catch (ArgumentException ex)
        {
            return Fail(stderr, $"{args[0]}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return Invalid;
        }

        try
        {
            return args[0] switch
            {
                "validate" => ValidateCommand.Run(line, stdin, stdout, stderr),
                "apply" => await ApplyCommand.RunAsync(line, stdin, stdout, stderr, cancellationToken).ConfigureAwait(false),
                "delete" => await DeleteCommand.RunAsync(line, stdin, stdout, stderr, cancellationToken).ConfigureAwait(false),
                "get" => await GetCommand.RunAsync(line, stdout, stderr, cancellationToken).ConfigureAwait(false),
                "describe" => await DescribeCommand.RunAsync(line, stdout, stderr, cancellationToken).ConfigureAwait(false),
                _ => Fail(stderr, $"unknown command '{args[0]}'"),
            };
        }
        catch (ConsulException ex) when (ex.IsUnreachable)
        {
            stderr.WriteLine($"error: {ex.Message}");
            stderr.WriteLine("Is Consul running? Set its address with --consul ADDR or CONSUL_HTTP_ADDR.");
            return Unreachable;
        }
        catch (ConsulException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return Invalid;
        }
        catch (ArgumentException ex)
        {
            return Fail(stderr, $"{args[0]}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return Invalid;
        }
    }

    public static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("Run 'meshctl help' for usage.");
        return Invalid;
    }
}
