using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>The command line as a newcomer meets it: --help, and a port that is already taken.</summary>
public sealed partial class BookinfoProgramTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task RunAsync_Help_PrintsUsageToStdoutAndExitsZero(string arg)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await BookinfoProgram.RunAsync([arg], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.Equal("", stderr.ToString());
        Assert.StartsWith("usage: dotnet run --project samples/Bookinfo -- ", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--port N", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PortInUse_PrintsOneLineNamingPortAndExitsOne()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await BookinfoProgram.RunAsync(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Equal("", stdout.ToString());
        var line = Assert.Single(stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"--port {port}: 127.0.0.1:{port} is already in use; stop what listens there, or pick another port with --port N (0: any free port).", line);
    }

    [Fact]
    public async Task RunAsync_UnknownArgument_PrintsUsageToStderrAndExitsTwo()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await BookinfoProgram.RunAsync(["--prot", "8080"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("unknown or incomplete argument '--prot'.", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "http")]
    [InlineData(new[] { "--ratings-protocol", "grpc" }, "grpc")]
    [InlineData(new[] { "--ratings-protocol", "http" }, "http")]
    public void Parse_RatingsProtocol(string[] args, string expected)
    {
        Assert.Equal(expected, BookinfoOptions.Parse(args).RatingsProtocol);
    }

    [Fact]
    public async Task RunAsync_UnknownRatingsProtocol_PrintsUsageToStderrAndExitsTwo()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await BookinfoProgram.RunAsync(["--ratings-protocol", "tcp"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.StartsWith("unknown or incomplete argument '--ratings-protocol'.", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("--ratings-protocol P", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--mtls" }, true)]
    [InlineData(new[] { "--no-mtls" }, false)]
    public void Parse_Mtls_OnByDefault(string[] args, bool expected)
    {
        Assert.Equal(expected, BookinfoOptions.Parse(args).Mtls);
    }

    [Fact]
    public void Parse_CaDirWithoutMtls_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => BookinfoOptions.Parse(["--no-mtls", "--ca-dir", "/tmp/ca"]));
        Assert.Equal("--ca-dir is the local CA of mTLS; with --no-mtls there is none.", ex.Message);
    }

    /// <summary>At start, one line per instance: its name and its URL, https when it serves mTLS (the default).</summary>
    [Theory]
    [InlineData(true, "https")]
    [InlineData(false, "http")]
    public async Task RunAsync_PrintsOneLinePerInstance_WithItsNameAndUrl(bool mtls, string scheme)
    {
        var ca = Directory.CreateTempSubdirectory("bookinfo-ca-").FullName;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var output = new StringWriter();
        var stdout = TextWriter.Synchronized(output);
        using var stderr = new StringWriter();
        string[] args = mtls ? ["--port", "0", "--ca-dir", ca] : ["--port", "0", "--no-mtls"];
        var run = BookinfoProgram.RunAsync(args, stdout, stderr, stop.Token);
        try
        {
            var clock = Stopwatch.StartNew();
            string Text()
            {
                lock (stdout)
                {
                    return output.ToString();
                }
            }

            while (!Text().Contains("Press Ctrl+C to stop.", StringComparison.Ordinal))
            {
                Assert.False(run.IsCompleted, $"Bookinfo ended before it was up: {stderr}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out after 30 s waiting for Bookinfo's start lines; so far:\n{Text()}");
                await Task.Delay(25, TestContext.Current.CancellationToken);
            }

            var lines = Text().Split(Environment.NewLine);
            var instances = lines.Select(l => InstanceLine().Match(l)).Where(m => m.Success).ToList();
            Assert.Equal(["productpage-v1", "details-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1"], instances.Select(m => m.Groups["name"].Value));
            Assert.All(instances, m => Assert.Equal(scheme, m.Groups["scheme"].Value));
            Assert.Contains(lines, l => l.StartsWith(mtls ? "mTLS: on, as Istio's service accounts" : "mTLS: off (--no-mtls)", StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await run);
            Directory.Delete(ca, recursive: true);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z]+-v\d)-[a-z0-9]{5} +(?<scheme>https?)://127\.0\.0\.1:\d+( |$)")]
    private static partial Regex InstanceLine();
}
