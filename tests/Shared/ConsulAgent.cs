using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Testing;

/// <summary>A real Consul dev agent on free loopback ports, started and stopped by tests and benchmarks (shared source, linked into each project).</summary>
public sealed class ConsulAgent : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly int[] _ports;
    private readonly string _node = $"mesh-test-{Guid.NewGuid():N}"[..24];
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ConsulAgent()
    {
        _ports = FreePorts(4);
    }

    public int HttpPort => _ports[0];

    public string Address => $"http://127.0.0.1:{HttpPort}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Finds the consul binary: CONSUL_BIN (set by scripts/test.sh), consul on PATH, or the repo's .tools folder.</summary>
    public static string FindBinary()
    {
        var fromEnv = Environment.GetEnvironmentVariable("CONSUL_BIN");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "consul");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".tools", "consul", "usr", "bin", "consul");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No consul binary: run scripts/install-consul.sh (scripts/test.sh does), or set CONSUL_BIN.");
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["agent", "-dev", "-node", _node, "-bind", "127.0.0.1", "-client", "127.0.0.1",
            "-http-port", P(0), "-grpc-port", "-1", "-dns-port", "-1", "-serf-lan-port", P(1), "-serf-wan-port", P(2), "-server-port", P(3)])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"consul exited with {process.ExitCode} while starting:\n{Output}");
            }

            try
            {
                var leader = await http.GetStringAsync($"{Address}/v1/status/leader");
                if (leader.Trim().Trim('"').Length > 0)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"timed out after {StartTimeout.TotalSeconds} s waiting for the consul agent on port {HttpPort} to elect a leader:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string P(int i) => _ports[i].ToString(CultureInfo.InvariantCulture);

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
