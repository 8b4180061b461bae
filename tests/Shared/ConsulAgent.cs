using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Testing;

/// <summary>
/// A real Consul agent on free loopback ports, started, killed and restarted by tests and benchmarks
/// (shared source, linked into each project): a dev agent (the default), a client agent joined to
/// another agent with its own data directory and a fixed node id, or one server of a cluster.
/// </summary>
public sealed class ConsulAgent : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly int[] _ports;
    private readonly string _node = $"mesh-test-{Guid.NewGuid():N}"[..24];
    private readonly string _nodeId = Guid.NewGuid().ToString();
    private readonly StringBuilder _output = new();
    private readonly Kind _kind;
    private readonly int _expect;
    private readonly List<ConsulAgent> _join = [];
    private Process? _process;

    public ConsulAgent()
        : this(Kind.Dev, 0)
    {
    }

    private ConsulAgent(Kind kind, int expect)
    {
        _ports = FreePorts(4);
        _kind = kind;
        _expect = expect;
        if (kind != Kind.Dev)
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), "mesh-tests", "consul", _node);
        }
    }

    private enum Kind
    {
        Dev,
        Client,
        Server,
    }

    /// <summary>Gets the agent's data directory; null for a dev agent, which keeps everything in memory.</summary>
    public string? DataDirectory { get; }

    /// <summary>Gets the agent's node name.</summary>
    public string Node => _node;

    /// <summary>Gets the agent's serf LAN address, which other agents join.</summary>
    public string SerfAddress => $"127.0.0.1:{_ports[1]}";

    /// <summary>A client agent (not a server) that joins <paramref name="server"/>, as services have on each machine.</summary>
    public static ConsulAgent ClientOf(ConsulAgent server)
    {
        var client = new ConsulAgent(Kind.Client, 0);
        client._join.Add(server);
        return client;
    }

    /// <summary>The servers of a cluster of <paramref name="size"/>: each expects the others and joins them; start them together.</summary>
    public static ConsulAgent[] Cluster(int size)
    {
        var servers = Enumerable.Range(0, size).Select(_ => new ConsulAgent(Kind.Server, size)).ToArray();
        foreach (var server in servers)
        {
            server._join.AddRange(servers.Where(s => s != server));
        }

        return servers;
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
        Launch();
        await WaitForLeaderAsync();
    }

    /// <summary>Waits until the agent answers and knows a leader (a client agent: until it has joined).</summary>
    public async Task WaitForLeaderAsync()
    {
        var process = _process!;
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

    private List<string> Arguments()
    {
        List<string> args = ["agent", "-node", _node, "-bind", "127.0.0.1", "-client", "127.0.0.1",
            "-http-port", P(0), "-grpc-port", "-1", "-dns-port", "-1", "-serf-lan-port", P(1), "-serf-wan-port", P(2), "-server-port", P(3)];
        switch (_kind)
        {
            case Kind.Dev:
                args.Add("-dev");
                break;
            case Kind.Client:
                args.AddRange(["-node-id", _nodeId, "-data-dir", DataDirectory!]);
                break;
            case Kind.Server:
                args.AddRange(["-server", "-bootstrap-expect", _expect.ToString(CultureInfo.InvariantCulture), "-node-id", _nodeId, "-data-dir", DataDirectory!]);
                break;
        }

        foreach (var other in _join)
        {
            args.AddRange(["-retry-join", other.SerfAddress, "-retry-interval", "1s"]);
        }

        return args;
    }

    /// <summary>Starts the agent without waiting for it (servers of a cluster start together, then each waits).</summary>
    public void Launch()
    {
        if (DataDirectory is not null)
        {
            Directory.CreateDirectory(DataDirectory);
        }

        var info = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments())
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
    }

    /// <summary>Kills the agent with SIGKILL, as a crash or <c>kill -9</c> does; optionally its data directory goes too.</summary>
    public async Task KillAsync(bool loseData = false)
    {
        await StopAsync();
        if (loseData && DataDirectory is not null && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <summary>Gets the cluster's leader as this agent sees it ("" when there is none or the agent does not answer).</summary>
    public async Task<string> LeaderAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            return (await http.GetStringAsync($"{Address}/v1/status/leader")).Trim().Trim('"');
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return "";
        }
    }

    /// <summary>Gets this server's RPC address, the form <see cref="LeaderAsync"/> reports.</summary>
    public string ServerAddress => $"127.0.0.1:{_ports[3]}";

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

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (DataDirectory is not null && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
