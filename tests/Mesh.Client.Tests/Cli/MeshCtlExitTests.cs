using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Mesh.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Client.Tests.Cli;

/// <summary>What a newcomer meets first: --version, an empty directory, and how a refused apply ends; only the documented exit codes.</summary>
public sealed class MeshCtlExitTests : IAsyncDisposable
{
    private const string Rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("meshctl-").FullName;
    private readonly ConcurrentQueue<string> _consulRequests = new();
    private WebApplication? _consul;

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = MeshCtl.Run(args, new StringReader(""), output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Version_PrintsTheInformationalVersionAndExitsZero()
    {
        var expected = typeof(MeshCtl).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var (code, output, error) = Run("--version");

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Equal("", error);
        Assert.Equal($"meshctl {expected}{Environment.NewLine}", output);
        Assert.Matches(@"^meshctl \d+\.\d+\.\d+", output);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("validate")]
    [InlineData("delete")]
    public void EmptyDirectory_SaysNothingWasFoundAndExitsOne(string command)
    {
        // An address nothing listens on: had the command gone to Consul, it would exit 2.
        var (code, output, error) = Run(command, "-f", _directory, "--consul", "http://127.0.0.1:1");

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal("", output);
        Assert.StartsWith($"error: no documents found in {_directory} (a directory's *.yaml, *.yml and *.json files are read)", error, StringComparison.Ordinal);
        if (command == "apply")
        {
            Assert.EndsWith($"Nothing was written.{Environment.NewLine}", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_FileWithOnlyComments_SaysNothingWasFoundInIt()
    {
        var file = Path.Combine(_directory, "notes.yaml");
        File.WriteAllText(file, "# nothing here yet\n");

        var (code, _, error) = Run("validate", "-f", file);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal($"error: no documents found in {file}{Environment.NewLine}", error);
    }

    [Theory]
    [InlineData("parse", "hostz:")]
    [InlineData("validation", "subset: v1.")]
    public async Task Apply_RefusedInput_EndsWithNothingWasWrittenAndWritesNothing(string kind, string mistake)
    {
        var consul = await StartConsulAsync();
        var route = Rule + "\n---\n" + $"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              {(kind == "parse" ? mistake : "hosts:")}
              - reviews
              http:
              - route:
                - destination:
                    host: reviews
                    {(kind == "validation" ? mistake : "subset: v1")}
            """;
        var file = Path.Combine(_directory, "route.yaml");
        await File.WriteAllTextAsync(file, route, TestContext.Current.CancellationToken);

        var (code, output, error) = Run("apply", "-f", file, "--consul", consul);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal("", output);
        Assert.Contains("1 error; the config is not valid.", error, StringComparison.Ordinal);
        Assert.EndsWith($"Nothing was written.{Environment.NewLine}", error, StringComparison.Ordinal);
        Assert.DoesNotContain(_consulRequests, r => !r.StartsWith("GET ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hosts: [reviews")]
    [InlineData("? &a [*a")]
    [InlineData("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec: {hosts: [r], http: [{timeout: 999999999h, route: [{destination: {host: r}}]}]}")]
    public void Validate_AnyInput_ExitsWithADocumentedCodeAndNoStackTrace(string text)
    {
        var file = Path.Combine(_directory, "odd.yaml");
        File.WriteAllText(file, text);

        var (code, _, error) = Run("validate", "-f", file);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    /// <summary>An empty Consul: every KV read answers 404 with an index, as Consul does for a prefix with no keys; writes are recorded.</summary>
    private async Task<string> StartConsulAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _consul = builder.Build();
        _consul.Run(context =>
        {
            _consulRequests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            context.Response.Headers["X-Consul-Index"] = "1";
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await _consul.StartAsync(TestContext.Current.CancellationToken);
        return _consul.Urls.Single();
    }

    public async ValueTask DisposeAsync()
    {
        if (_consul is not null)
        {
            await _consul.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
