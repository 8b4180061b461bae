using Microsoft.Extensions.Logging.Console;

namespace Bookinfo;

/// <summary>Options of <see cref="BookinfoConsoleFormatter"/>: the service and version a host runs.</summary>
internal sealed class BookinfoConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Gets or sets the name printed on each line, such as <c>reviews-v2</c>.</summary>
    public string Service { get; set; } = "";
}
