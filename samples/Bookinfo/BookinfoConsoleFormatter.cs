using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Bookinfo;

/// <summary>
/// The console's simple format with the service that logged each line: six services share one
/// console, and each logs the same config events, so a line must say whose it is.
/// </summary>
internal sealed class BookinfoConsoleFormatter(IOptionsMonitor<BookinfoConsoleFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "bookinfo";

    private const string Indent = "      ";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
        textWriter.Write($"{level}: {options.CurrentValue.Service}: {logEntry.Category}[{logEntry.EventId.Id}]{Environment.NewLine}");
        foreach (var text in new[] { message, logEntry.Exception?.ToString() })
        {
            if (!string.IsNullOrEmpty(text))
            {
                textWriter.Write(Indent + text.ReplaceLineEndings(Environment.NewLine + Indent) + Environment.NewLine);
            }
        }
    }
}
