using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using Mesh.Registry;
using Mesh.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>
/// Mesh.Server at scale (issue 11): this process hosts Mesh.Server (the real host, Kestrel on loopback) over an
/// in-memory registry of <c>--services</c> services and <c>--endpoints</c> endpoints; a second process
/// (<see cref="XdsScaleClients"/>) opens <c>--clients</c> ADS streams that subscribe as grpc-js-xds does. Then each
/// round makes one change every client sees (svc-0's route split, then one more svc-0 endpoint, in turn) and times it
/// from the registry's change event to each client's ACK of it, with this process's CPU over the round. Memory and
/// CPU of this process are Mesh.Server's (the clients live in the other process). The two processes share
/// <see cref="Stopwatch"/>'s monotonic clock.
/// </summary>
internal static class XdsScaleHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var services = HarnessMath.Arg(args, "--services", 1000);
        var endpoints = HarnessMath.Arg(args, "--endpoints", 10_000);
        var clients = HarnessMath.Arg(args, "--clients", 1000);
        var targets = HarnessMath.Arg(args, "--targets", 3);
        var rounds = HarnessMath.Arg(args, "--rounds", 20);
        var perChannel = HarnessMath.Arg(args, "--per-channel", 100);
        var replicasPerApp = HarnessMath.Arg(args, "--replicas-per-app", 10);

        Console.WriteLine($"{DateTime.UtcNow:ddd MMM d HH:mm:ss} UTC; {Environment.ProcessorCount} CPUs; {RuntimeInformation.FrameworkDescription}; " +
                          $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC; load average {LoadAverage()}");
        Console.WriteLine($"{services} services, {endpoints} endpoints, {clients} ADS clients (svc-0 + {targets} targets each, {replicasPerApp} replicas per app label), {rounds} rounds");

        var self = Process.GetCurrentProcess();
        var mesh = new XdsScaleMesh(services, endpoints);
        var source = new XdsScaleSource(mesh.State());
        var clock = Stopwatch.StartNew();
        var cpu = self.TotalProcessorTime;
        var app = MeshServerHost.Build(
            ["--xds-port", "0", "--port", "0", "--address", "127.0.0.1"],
            b =>
            {
                b.Services.AddSingleton<IMeshStateSource>(source);
                b.Logging.ClearProviders();
                b.Logging.SetMinimumLevel(LogLevel.Warning);
            });
        await app.StartAsync().ConfigureAwait(false);
        var startMs = clock.Elapsed.TotalMilliseconds;
        var startCpu = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        var port = app.Services.GetRequiredService<ServerEndpoints>().XdsEndpoint!.Port;
        var heapStarted = HeapMb();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server started in {startMs:0} ms ({startCpu:0} ms CPU): first state compiled; GC heap {heapStarted:0.0} MB"));

        using var child = StartClients(port, clients, services, targets, perChannel, replicasPerApp);
        cpu = self.TotalProcessorTime;
        clock.Restart();
        var synced = await ReadAsync(child, "synced", TimeSpan.FromMinutes(4)).ConfigureAwait(false);
        var syncCpu = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        var parts = synced.Split(' ');
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{clients} clients connected and synced (LDS, RDS, CDS, EDS ACKed) in {clock.Elapsed.TotalMilliseconds:0} ms; server CPU {syncCpu:0} ms; {parts[2]} responses, {long.Parse(parts[3], CultureInfo.InvariantCulture) / 1e6:0.0} MB"));
        self.Refresh();
        var heapSynced = HeapMb();
        self.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server memory with {clients} streams: GC heap {heapSynced:0.0} MB after a full GC; working set {self.WorkingSet64 / 1e6:0} MB, peak {self.PeakWorkingSet64 / 1e6:0} MB"));

        var lastAck = new List<double>();
        var perClient = new List<double>();
        var cpuPerPush = new List<double>();
        var failures = 0;
        var weight = 90;
        for (var round = 1; round <= rounds; round++)
        {
            string kind;
            int value;
            Mesh.Registry.MeshState state;
            if (round % 2 == 1)
            {
                weight = weight == 90 ? 80 : 90;
                (kind, value, state) = ("rds", weight, mesh.WithSvc0Weight(weight));
            }
            else
            {
                state = mesh.WithOneMoreSvc0Endpoint();
                (kind, value) = ("eds", mesh.Svc0V1Endpoints);
            }

            await child.StandardInput.WriteLineAsync($"expect {round} {kind} {value}").ConfigureAwait(false);
            await child.StandardInput.FlushAsync().ConfigureAwait(false);
            await ReadAsync(child, "armed", TimeSpan.FromSeconds(30)).ConfigureAwait(false);

            cpu = self.TotalProcessorTime;
            var t0 = Stopwatch.GetTimestamp();
            source.Change(state);
            var line = await ReadAsync(child, "acked", TimeSpan.FromSeconds(60), "timeout").ConfigureAwait(false);
            var roundCpu = (self.TotalProcessorTime - cpu).TotalMilliseconds;
            if (line.StartsWith("timeout", StringComparison.Ordinal))
            {
                failures++;
                Console.WriteLine($"round {round} ({kind}): not every client ACKed within 30 s");
                continue;
            }

            var latencies = line.Split(' ')[2].Split(',').Select(t => (long.Parse(t, CultureInfo.InvariantCulture) - t0) * 1000.0 / Stopwatch.Frequency).Order().ToList();
            lastAck.Add(latencies[^1]);
            perClient.AddRange(latencies);
            cpuPerPush.Add(roundCpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round,3} ({kind}): first ACK {latencies[0],7:0.0} ms, median {HarnessMath.Percentile(latencies, 0.5),7:0.0} ms, every client {latencies[^1],7:0.0} ms; server CPU {roundCpu,6:0} ms"));
        }

        // A reload of an unchanged state: the compile and the reuse checks, and every stream's push finding nothing to send
        // (the same objects): the part of a push that does not depend on what changed.
        var idleCpu = new List<double>();
        var quietCpu = new List<double>();
        var reloadStore = app.Services.GetRequiredService<Mesh.Server.Xds.XdsStateStore>();
        for (var i = 0; i < 5; i++)
        {
            cpu = self.TotalProcessorTime;
            await Task.Delay(500).ConfigureAwait(false);
            quietCpu.Add((self.TotalProcessorTime - cpu).TotalMilliseconds);
            cpu = self.TotalProcessorTime;
            await reloadStore.ReloadAsync(initial: false, CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(500).ConfigureAwait(false);
            idleCpu.Add((self.TotalProcessorTime - cpu).TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"server CPU of a reload that changes nothing (compile, reuse checks, {clients} streams finding nothing to send), over 0.5 s: median {HarnessMath.Median(idleCpu):0} ms; of 0.5 s without a reload: {HarnessMath.Median(quietCpu):0} ms"));

        await child.StandardInput.WriteLineAsync("quit").ConfigureAwait(false);
        await child.StandardInput.FlushAsync().ConfigureAwait(false);
        self.Refresh();
        var peak = self.PeakWorkingSet64 / 1e6;
        var heapEnd = HeapMb();
        self.Refresh();
        lastAck.Sort();
        perClient.Sort();
        if (lastAck.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"change → every client ACKed, over {lastAck.Count} rounds: p50 {HarnessMath.Percentile(lastAck, 0.5):0.0} ms, p99 {HarnessMath.Percentile(lastAck, 0.99):0.0} ms, max {lastAck[^1]:0.0} ms (includes Mesh.Server's {Mesh.Server.Xds.XdsStateStore.DebounceDelay.TotalMilliseconds:0} ms debounce)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"change → one client's ACK, over {perClient.Count} ACKs: p50 {HarnessMath.Percentile(perClient, 0.5):0.0} ms, p99 {HarnessMath.Percentile(perClient, 0.99):0.0} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server CPU per push (one change to {clients} clients): median {HarnessMath.Median(cpuPerPush):0} ms, max {cpuPerPush.Max():0} ms"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server memory at the end: GC heap {heapEnd:0.0} MB after a full GC; working set {self.WorkingSet64 / 1e6:0} MB; peak working set {peak:0} MB"));
        Console.WriteLine($"failed rounds: {failures}; load average {LoadAverage()}");

        // Where a push's CPU goes, single-threaded on the final state: the compile every change does, and a translation from nothing.
        var store = app.Services.GetRequiredService<Mesh.Server.Xds.XdsStateStore>();
        var (translated, reused) = store.Current.Default.Counts;
        var final = source.Read();
        var compileMs = new List<double>();
        var translateMs = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            clock.Restart();
            var snapshot = new Mesh.Snapshot.MeshSnapshotCompiler(Mesh.Snapshot.MeshIdentity.Anonymous()).Compile(i, final.Documents, final.Instances);
            compileMs.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            _ = new Mesh.Server.Xds.XdsView(snapshot, new Dictionary<string, IReadOnlyList<string>>()).TranslateAll();
            translateMs.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"last change: {translated} resources translated, {reused} reused from the state before; on the final state, compile {HarnessMath.Median(compileMs):0} ms, translate every route and cluster afresh {HarnessMath.Median(translateMs):0} ms (medians of 3)"));

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await child.WaitForExitAsync(exit.Token).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return failures == 0 ? 0 : 1;
    }

    private static Process StartClients(int port, int clients, int services, int targets, int perChannel, int replicasPerApp)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(XdsScaleHarness).Assembly.Location);
        }

        foreach (var arg in new[] { "xds-scale-clients", "--port", $"{port}", "--clients", $"{clients}", "--services", $"{services}", "--targets", $"{targets}", "--per-channel", $"{perChannel}", "--replicas-per-app", $"{replicasPerApp}" })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static async Task<string> ReadAsync(Process child, string prefix, TimeSpan timeout, string? orPrefix = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await child.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) || (orPrefix is not null && line.StartsWith(orPrefix, StringComparison.Ordinal)))
            {
                return line;
            }

            Console.WriteLine($"  [clients] {line}");
            if (line.StartsWith("error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the client process failed: {line}");
            }
        }

        throw new InvalidOperationException($"the client process exited while waiting for '{prefix}'");
    }

    private static double HeapMb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetGCMemoryInfo().HeapSizeBytes / 1e6;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
