using System.Globalization;
using System.Text.Json;

namespace Mesh.Cli;

/// <summary>
/// <c>meshctl status [--server URL] [-o json]</c>: the xDS clients connected to a Mesh.Server, as
/// <c>istioctl proxy-status</c> lists proxies: per resource type SYNCED (the client ACKed what was sent),
/// STALE (sent, not ACKed yet), NACKED (the client rejected the last response; it runs on the version it
/// ACKed before), or NOT SENT. Reads the server's admin API (<c>/admin/clients</c>).
/// </summary>
internal static class StatusCommand
{
    private const string DefaultServer = "http://127.0.0.1:15014";
    private const int MaxReportBytes = 64 * 1024 * 1024;
    private static readonly string[] Types = ["CDS", "LDS", "EDS", "RDS"];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var server = Environment.GetEnvironmentVariable("MESH_SERVER") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultServer;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--server" when i + 1 < args.Length:
                    server = args[++i];
                    break;
                case "-o" or "--output" when i + 1 < args.Length && args[i + 1] is "json":
                    i++;
                    json = true;
                    break;
                default:
                    return MeshCtl.Fail(stderr, $"status: unexpected '{args[i]}'; use 'status [--server URL] [-o json]' (the server's admin address, default {DefaultServer} or MESH_SERVER)");
            }
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            return MeshCtl.Fail(stderr, $"status: --server '{server}' is not an http(s) URL");
        }

        // A server that answers without end is cut at 64 MiB (thousands of clients take a few MB) and 10 s.
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = MaxReportBytes };
        string body;
        try
        {
            using var response = await http.GetAsync(new Uri("admin/clients", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                stderr.WriteLine($"error: {server}/admin/clients answered {(int)response.StatusCode}; is this Mesh.Server's admin port (--port)?");
                return MeshCtl.Invalid;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine($"error: cannot reach Mesh.Server at {server}: {ex.Message}");
            stderr.WriteLine("Is Mesh.Server running? Give its admin address with --server URL or MESH_SERVER.");
            return MeshCtl.Unreachable;
        }

        if (json)
        {
            stdout.WriteLine(body);
            return MeshCtl.Ok;
        }

        List<string[]> rows;
        try
        {
            rows = Rows(body);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            stderr.WriteLine($"error: {server}/admin/clients did not answer with Mesh.Server's client report ({ex.Message}); is this Mesh.Server's admin port (--port)?");
            return MeshCtl.Invalid;
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            stdout.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        if (rows.Count == 1)
        {
            stdout.WriteLine("(no xDS client is connected)");
        }

        return MeshCtl.Ok;
    }

    /// <summary>The table of <c>/admin/clients</c>; throws when the body is not that report (another server, junk).</summary>
    private static List<string[]> Rows(string body)
    {
        using var document = JsonDocument.Parse(body);
        var clients = document.RootElement.GetProperty("clients");
        var rows = new List<string[]> { (string[])["NAME", "NAMESPACE", .. Types, "NACKS", "AGENT"] };
        foreach (var client in clients.EnumerateArray())
        {
            var types = client.GetProperty("types").EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!, t => t);
            var nacks = types.Values.Sum(t => t.GetProperty("nackCount").GetInt64());
            rows.Add([
                client.GetProperty("nodeId").GetString() is { Length: > 0 } id ? id : $"(stream {client.GetProperty("stream").GetInt64()})",
                client.GetProperty("namespace").GetString() ?? "",
                .. Types.Select(t => types.TryGetValue(t, out var s) ? SyncState(s) : "NOT SENT"),
                nacks.ToString(CultureInfo.InvariantCulture),
                client.TryGetProperty("userAgent", out var agent) && agent.ValueKind == JsonValueKind.String ? agent.GetString()! : "",
            ]);
        }

        return rows;
    }

    private static string SyncState(JsonElement type)
    {
        var sent = type.GetProperty("sentVersion").GetString();
        var acked = type.TryGetProperty("ackedVersion", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var nack = type.TryGetProperty("lastNack", out var n) && n.ValueKind == JsonValueKind.Object ? n.GetProperty("version").GetString() : null;
        return sent is null ? "NOT SENT"
            : sent == acked ? "SYNCED"
            : sent == nack ? "NACKED"
            : "STALE";
    }
}
