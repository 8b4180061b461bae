using System.Net;
using System.Net.Sockets;
using Bookinfo;

namespace Mesh.Bookinfo.Tests;

/// <summary>The command line as a newcomer meets it: --help, and a port that is already taken.</summary>
public sealed class BookinfoProgramTests
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
}
