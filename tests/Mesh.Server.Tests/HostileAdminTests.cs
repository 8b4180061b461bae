using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Server.Tests;

/// <summary><c>meshctl status</c> against a server that answers junk: one error line naming the address, exit code 1, never a stack trace.</summary>
public sealed class HostileAdminTests
{
    [Theory]
    [InlineData("<html>not json</html>", "'<' is an invalid start of a value")]
    [InlineData("{}", "not present in the dictionary")]
    [InlineData("{\"clients\":[{\"types\":5}]}", "")]
    [InlineData("{\"clients\":7}", "")]
    public async Task Status_JunkReport_FailsWithOneLineNamingTheServer(string body, string reason)
    {
        await using var junk = await StartJunkAsync(context => context.Response.WriteAsync(body));

        var (exit, output) = await MeshctlAsync("status", "--server", junk.Urls.First());

        Assert.True(exit == 1, output);
        Assert.StartsWith($"error: {junk.Urls.First()}/admin/clients did not answer with Mesh.Server's client report (", output, StringComparison.Ordinal);
        Assert.Contains(reason, output, StringComparison.Ordinal);
        Assert.EndsWith("is this Mesh.Server's admin port (--port)?\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_EndlessReport_IsCutNotBuffered()
    {
        // 200 MB of JSON whitespace, streamed: meshctl stops at its 64 MiB bound.
        await using var junk = await StartJunkAsync(async context =>
        {
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)' ');
            for (var i = 0; i < 200 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });

        var (exit, output) = await MeshctlAsync("status", "--server", junk.Urls.First());

        Assert.True(exit != 0, output);
        Assert.Contains("67108864", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartJunkAsync(RequestDelegate answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(answer);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static async Task<(int Exit, string Output)> MeshctlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "meshctl.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
