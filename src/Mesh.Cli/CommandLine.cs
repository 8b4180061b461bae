using Mesh.Registry.Consul;

namespace Mesh.Cli;

/// <summary>The parsed arguments of one command: positional words and the options every command shares.</summary>
internal sealed class CommandLine
{
    public List<string> Positional { get; } = [];

    public List<string> Files { get; } = [];

    public string Namespace { get; private set; } = "default";

    public string? Consul { get; private set; }

    public string Prefix { get; private set; } = "mesh/config/";

    public string? Output { get; private set; }

    public static CommandLine Parse(string[] args)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"'{arg}' needs a value");
            switch (arg)
            {
                case "-f" or "--filename":
                    line.Files.Add(Value());
                    break;
                case "-n" or "--namespace":
                    line.Namespace = Value();
                    break;
                case "--consul":
                    line.Consul = Value();
                    break;
                case "--prefix":
                    line.Prefix = Value();
                    break;
                case "-o" or "--output":
                    line.Output = Value();
                    if (line.Output is not ("yaml" or "json"))
                    {
                        throw new ArgumentException($"-o '{line.Output}' is not an output format; use yaml or json");
                    }

                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        throw new ArgumentException($"unknown option '{arg}'");
                    }

                    line.Positional.Add(arg);
                    break;
            }
        }

        return line;
    }

    public ConsulClient CreateClient() => ConsulClient.Create(ConsulConnection.Resolve(Consul, token: null));
}
