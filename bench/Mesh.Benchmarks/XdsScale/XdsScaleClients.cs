using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Envoy.Service.Discovery.V3;
using Grpc.Net.Client;

namespace Mesh.Benchmarks.XdsScale;

/// <summary>
/// The client process of the xDS scale run (verb <c>xds-scale-clients</c>): N ADS streams with Grpc.Net.Client, at most
/// <c>--per-channel</c> streams on a channel (Kestrel allows 100 streams per HTTP/2 connection). Each client subscribes
/// to svc-0 (a service every client calls) and <c>--targets</c> more, spread over all services. Talks to the harness
/// over stdin/stdout: <c>synced ms</c> once every stream holds everything; then per <c>expect round kind value</c> line,
/// <c>armed round</c>, and <c>acked round t1,t2,…</c> with each client's ACK time (Stopwatch ticks).
/// </summary>
internal static class XdsScaleClients
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = HarnessMath.Arg(args, "--port", 0);
        var clients = HarnessMath.Arg(args, "--clients", 1000);
        var services = HarnessMath.Arg(args, "--services", 1000);
        var targets = HarnessMath.Arg(args, "--targets", 3);
        var perChannel = HarnessMath.Arg(args, "--per-channel", 100);
        var replicasPerApp = HarnessMath.Arg(args, "--replicas-per-app", 10);

        using var stop = new CancellationTokenSource();
        var channels = new List<GrpcChannel>();
        for (var c = 0; c < (clients + perChannel - 1) / perChannel; c++)
        {
            channels.Add(GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
                MaxReceiveMessageSize = null,
            }));
        }

        var expectation = new XdsScaleExpectation(clients);
        var streams = new List<XdsScaleStream>(clients);
        var runs = new List<Task>(clients);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < clients; i++)
        {
            // svc-0 for everyone, then targets more; (i * targets + k) walks every other service about evenly.
            var names = new List<string> { XdsScaleMesh.Target(0) };
            for (var k = 0; k < targets && services > 1; k++)
            {
                names.Add(XdsScaleMesh.Target(1 + (((i * targets) + k) % (services - 1))));
            }

            var stream = new XdsScaleStream(i, names.Distinct().ToArray(), XdsScaleStream.NodeFor(i, replicasPerApp), expectation);
            streams.Add(stream);
            var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channels[i / perChannel]);
            runs.Add(Task.Run(() => stream.RunAsync(client, stop.Token)));
        }

        var synced = Task.WhenAll(streams.Select(s => s.Synced.Task));
        var finished = await Task.WhenAny(synced, Task.WhenAny(runs), Task.Delay(TimeSpan.FromMinutes(3))).ConfigureAwait(false);
        if (finished != synced)
        {
            var failed = runs.FirstOrDefault(r => r.IsFaulted)?.Exception?.GetBaseException().Message ?? "timeout";
            Console.WriteLine($"error {streams.Count(s => s.Synced.Task.IsCompleted)} of {clients} streams synced: {failed}");
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"synced {clock.Elapsed.TotalMilliseconds:0} {streams.Sum(s => s.Responses)} {streams.Sum(s => s.ResponseBytes)}"));
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts[0] != "expect")
            {
                break;
            }

            var round = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var done = expectation.ArmAsync(round, parts[2], int.Parse(parts[3], CultureInfo.InvariantCulture));
            Console.WriteLine($"armed {round}");
            if (await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false) != done)
            {
                Console.WriteLine($"timeout {round}");
                continue;
            }

            Console.WriteLine($"acked {round} {string.Join(',', (await done.ConfigureAwait(false)).Select(t => t.ToString(CultureInfo.InvariantCulture)))}");
        }

        stop.Cancel();
        try
        {
            await Task.WhenAll(runs).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the streams end cancelled; nothing to report
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        return 0;
    }
}
