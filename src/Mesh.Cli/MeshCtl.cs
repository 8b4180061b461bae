using System.Reflection;
using Mesh.Registry.Consul;

namespace Mesh.Cli;

/// <summary>
/// meshctl: the command line of the mesh. Exit codes, and no others (docs/meshctl.md): 0 ok; 1 invalid
/// input or any other failure, printed on one line; 2 Consul unreachable or not Consul.
/// </summary>
internal static class MeshCtl
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int Unreachable = 2;

    public const string UsageText = """
        meshctl: apply, inspect and validate Mesh's Istio config (VirtualService, DestinationRule, AuthorizationPolicy,
        PeerAuthentication); the local CA; Mesh.Server's connected xDS clients.

        usage:
          meshctl apply -f FILE|DIR|- [-f ...]      validate every document, then store them all in Consul
          meshctl delete -f FILE|DIR|-              delete the documents named in the files
          meshctl delete KIND NAME                  delete one document
          meshctl get KIND [NAME] [-o yaml|json]    list documents, or print one
          meshctl describe service NAME             instances and health, subsets, compiled routes
          meshctl validate -f FILE|DIR|- [-f ...]   validate without Consul
          meshctl ca status|rotate|prune [DIR]      the local CA (default: the per-user directory): rotate adds a
                                                    root beside the old (both trusted); prune ends the overlap
          meshctl status [--server URL] [-o json]   the xDS clients connected to Mesh.Server and their sync state per type
                                                    (default http://127.0.0.1:15014, or MESH_SERVER)
          meshctl help
          meshctl --version                         print meshctl's version

        KIND: virtualservice (vs), destinationrule (dr), authorizationpolicy (ap) or peerauthentication (pa), singular
        or plural.

        options:
          -f, --filename   a file, a directory (its *.yaml, *.yml, *.json) or - for standard input
          -n, --namespace  the namespace (default: default)
          --consul ADDR    Consul's HTTP address (default: CONSUL_HTTP_ADDR, else http://127.0.0.1:8500);
                           the token comes from CONSUL_HTTP_TOKEN, an https CA from CONSUL_CACERT
          --prefix P       the KV prefix of the mesh config (default: mesh/config/)

        exit codes: 0 ok, 1 invalid input or another failure (every error is printed),
                    2 Consul unreachable or not a Consul agent.
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

        if (args[0] is "--version" or "version")
        {
            stdout.WriteLine($"meshctl {Version}");
            return Ok;
        }

        if (args[0] == "status")
        {
            return await StatusCommand.RunAsync(args[1..], stdout, stderr, cancellationToken).ConfigureAwait(false); // its own options (--server)
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
                "ca" => CaCommand.Run(line, stdout, stderr),
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
            // A file that cannot be read, a directory that cannot be listed: the input, not meshctl.
            stderr.WriteLine($"error: {args[0]}: {ex.Message}");
            return Invalid;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Anything else is a bug, but it still ends with a documented exit code and one line, not a stack trace.
            stderr.WriteLine($"error: {args[0]}: unexpected {ex.GetType().Name}: {ex.Message}");
            stderr.WriteLine("This is a bug in Mesh; please report it with the input that caused it.");
            return Invalid;
        }
    }

    /// <summary>Gets meshctl's informational version (the package version, with the commit it was built from when known).</summary>
    public static string Version { get; } =
        typeof(MeshCtl).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(MeshCtl).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("Run 'meshctl help' for usage.");
        return Invalid;
    }
}
