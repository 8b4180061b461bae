using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Server.Tests.Support;

/// <summary>
/// Google's proxyless xDS client for Node (@grpc/grpc-js-xds 1.14) as a child process (tests/xds-node/client.js):
/// one JSON command per line in, one result per line out; its channels live as long as the process.
/// </summary>
internal sealed class NodeXdsClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly string _bootstrap;
    private int _nextId;

    private NodeXdsClient(Process process, string bootstrap)
    {
        _process = process;
        _bootstrap = bootstrap;
    }

    /// <summary>Starts the client with a bootstrap naming the server at <paramref name="xdsPort"/> and a node in <paramref name="namespace"/> with <paramref name="labels"/>, as istio-agent writes it.</summary>
    /// <param name="certificateProviders">The bootstrap's <c>certificate_providers</c> (gRFC A29), or null for none.</param>
    /// <param name="xdsCredentials">Whether the client's channels use xDS credentials (the TLS of a cluster is used), rather than insecure ones.</param>
    public static async Task<NodeXdsClient> StartAsync(int xdsPort, string @namespace = "default", IReadOnlyDictionary<string, string>? labels = null, string nodeId = "sidecar~127.0.0.1~client-1.default~default.svc.cluster.local", JsonObject? certificateProviders = null, bool xdsCredentials = false)
    {
        if (!Directory.Exists(Path.Combine(RepoPaths.XdsNode, "node_modules", "@grpc", "grpc-js-xds")))
        {
            throw new InvalidOperationException($"@grpc/grpc-js-xds is not installed: run 'npm ci' in {RepoPaths.XdsNode} (scripts/test.sh does it before dotnet test).");
        }

        var bootstrap = Path.Combine(Path.GetTempPath(), $"mesh-xds-bootstrap-{Guid.NewGuid():N}.json");
        var json = new JsonObject
        {
            ["xds_servers"] = new JsonArray(new JsonObject
            {
                ["server_uri"] = $"127.0.0.1:{xdsPort}",
                ["channel_creds"] = new JsonArray(new JsonObject { ["type"] = "insecure" }),
                ["server_features"] = new JsonArray("xds_v3"),
            }),
            ["node"] = new JsonObject
            {
                ["id"] = nodeId,
                ["locality"] = new JsonObject(), // grpc-js-xds 1.14 fails resolution without it
                ["metadata"] = new JsonObject
                {
                    ["NAMESPACE"] = @namespace,
                    ["GENERATOR"] = "grpc",
                    ["LABELS"] = new JsonObject((labels ?? new Dictionary<string, string>()).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
                },
            },
        };
        if (certificateProviders is not null)
        {
            json["certificate_providers"] = certificateProviders;
        }

        await File.WriteAllTextAsync(bootstrap, json.ToJsonString());

        var start = new ProcessStartInfo("node", "client.js")
        {
            WorkingDirectory = RepoPaths.XdsNode,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["GRPC_XDS_BOOTSTRAP"] = bootstrap;
        start.Environment["ECHO_PROTO"] = RepoPaths.EchoProto;
        start.Environment["XDS_CREDENTIALS"] = xdsCredentials ? "1" : "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var client = new NodeXdsClient(process, bootstrap);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._stderr)
                {
                    client._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        var ready = await client.ReadLineAsync(TimeSpan.FromSeconds(20), "the Node client to load grpc-js-xds");
        Assert.Contains("ready", ready, StringComparison.Ordinal);
        return client;
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Makes <paramref name="count"/> unary calls one after another and counts the answers per backend and the errors per status.</summary>
    public async Task<CallResult> CallAsync(string target, int count = 1, IReadOnlyDictionary<string, string>? metadata = null, int deadlineMs = 2000)
    {
        var id = ++_nextId;
        var command = new JsonObject
        {
            ["id"] = id,
            ["target"] = target,
            ["count"] = count,
            ["deadlineMs"] = deadlineMs,
            ["metadata"] = new JsonObject((metadata ?? new Dictionary<string, string>()).Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))),
        };
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var line = await ReadLineAsync(TimeSpan.FromMilliseconds((count * (long)deadlineMs) + 10_000), $"{count} call(s) to {target}");
        var result = JsonNode.Parse(line)!.AsObject();
        Assert.Equal(id, (int)result["id"]!);
        return new CallResult(
            result["backends"]!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!),
            result["errors"]!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!),
            (string?)result["lastError"] ?? "");
    }

    private async Task<string> ReadLineAsync(TimeSpan timeout, string what)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await _process.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException($"The Node client exited while waiting for {what}: {Stderr}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; Node client stderr: {Stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            File.Delete(_bootstrap);
        }
    }
}

/// <summary>Answers per backend name, failures per gRPC status name, and the last failure's details.</summary>
internal sealed record CallResult(Dictionary<string, int> Backends, Dictionary<string, int> Errors, string LastError)
{
    public int Count(string backend) => Backends.TryGetValue(backend, out var n) ? n : 0;

    public int Failures => Errors.Values.Sum();

    public override string ToString() =>
        $"backends {{{string.Join(", ", Backends.Select(b => $"{b.Key}: {b.Value}"))}}}, errors {{{string.Join(", ", Errors.Select(e => $"{e.Key}: {e.Value}"))}}} {LastError}";
}
