namespace Bookinfo;

/// <summary>How to start Bookinfo.</summary>
public sealed class BookinfoOptions
{
    /// <summary>Gets or sets productpage's port; 0 picks a free one.</summary>
    public int ProductPagePort { get; set; } = 9080;

    /// <summary>Gets or sets the directory of mesh config files (hot-reloaded); null for no rules.</summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>Gets or sets the minimum log level of the services.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;

    /// <summary>Parses command-line arguments: <c>--port N</c>, <c>--config-dir DIR</c>, <c>--verbose</c>.</summary>
    public static BookinfoOptions Parse(string[] args)
    {
        var options = new BookinfoOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var port) && port is >= 0 and <= 65535:
                    options.ProductPagePort = port;
                    i++;
                    break;
                case "--config-dir" when i + 1 < args.Length:
                    options.ConfigDirectory = args[++i];
                    break;
                case "--verbose":
                    options.LogLevel = LogLevel.Information;
                    break;
                case "--help" or "-h":
                    throw new ArgumentException(Usage);
                default:
                    throw new ArgumentException($"unknown or incomplete argument '{args[i]}'.{Environment.NewLine}{Usage}");
            }
        }

        if (options.ConfigDirectory is { } dir && !Directory.Exists(dir))
        {
            throw new ArgumentException($"--config-dir '{dir}' does not exist ({Path.GetFullPath(dir)}).");
        }

        return options;
    }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: dotnet run --project samples/Bookinfo -- [--port N] [--config-dir DIR] [--verbose]
          --port N          productpage's port (default 9080; 0 picks a free one)
          --config-dir DIR  the *.yaml files in DIR are the mesh config, reloaded when they change
                            (without it: no rules, round robin over reviews v1, v2 and v3)
          --verbose         log mesh activity (config applied or rejected, routing failures)
        """;
}
