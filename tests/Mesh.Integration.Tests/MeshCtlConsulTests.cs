using Mesh.Cli;

namespace Mesh.Integration.Tests;

/// <summary>meshctl against a real Consul: apply, get, delete, describe, and the exit codes.</summary>
public sealed class MeshCtlConsulTests(ConsulFixture consul) : IClassFixture<ConsulFixture>
{
    private readonly string _prefix = $"ctl/{Guid.NewGuid():N}/";

    private static string Networking(string file) => Path.Combine(AppContext.BaseDirectory, "networking", file);

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MeshCtl.RunAsync([.. args, "--consul", consul.Agent.Address, "--prefix", _prefix], new StringReader(""), output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Apply_PrintsCreatedConfiguredUnchanged_AsKubectlDoes()
    {
        var created = await RunAsync("apply", "-f", Networking("destination-rule-all.yaml"), "-f", Networking("virtual-service-all-v1.yaml"));
        Assert.Equal(0, created.Code);
        Assert.Contains("destinationrule.networking.istio.io/reviews created", created.Out, StringComparison.Ordinal);
        Assert.Contains("virtualservice.networking.istio.io/reviews created", created.Out, StringComparison.Ordinal);

        var unchanged = await RunAsync("apply", "-f", Networking("virtual-service-all-v1.yaml"));
        Assert.Equal(0, unchanged.Code);
        Assert.Contains("virtualservice.networking.istio.io/reviews unchanged", unchanged.Out, StringComparison.Ordinal);

        var configured = await RunAsync("apply", "-f", Networking("virtual-service-reviews-50-v3.yaml"));
        Assert.Equal(0, configured.Code);
        Assert.Equal("virtualservice.networking.istio.io/reviews configured", configured.Out.Trim());
    }

    [Fact]
    public async Task Apply_InvalidDocument_WritesNothingAndExitsOne()
    {
        await RunAsync("apply", "-f", Networking("destination-rule-all.yaml"));
        var bad = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bad.yaml");
        await File.WriteAllTextAsync(bad, (await File.ReadAllTextAsync(Networking("virtual-service-reviews-test-v2.yaml"), TestContext.Current.CancellationToken)).Replace("subset: v2", "subset: v2.", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var good = Path.Combine(Path.GetDirectoryName(bad)!, "good.yaml");
        await File.WriteAllTextAsync(good, "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: extra\nspec:\n  host: extra\n", TestContext.Current.CancellationToken);

        var (code, output, error) = await RunAsync("apply", "-f", good, "-f", bad);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal("", output);
        Assert.Contains("'v2.' is not defined by any DestinationRule for host 'reviews'", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was written.", error, StringComparison.Ordinal);
        var list = await RunAsync("get", "vs");
        Assert.Contains("No resources found", list.Err, StringComparison.Ordinal);
        var rules = await RunAsync("get", "dr", "extra");
        Assert.Equal(MeshCtl.Invalid, rules.Code);
    }

    [Fact]
    public async Task Apply_ReferencesASubsetAlreadyInConsul_IsValid()
    {
        Assert.Equal(0, (await RunAsync("apply", "-f", Networking("destination-rule-all.yaml"))).Code);

        var (code, output, _) = await RunAsync("apply", "-f", Networking("virtual-service-reviews-v3.yaml"));

        Assert.Equal(0, code);
        Assert.Contains("virtualservice.networking.istio.io/reviews created", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyThenGet_NumbersInStringFields_ComeBackAsWritten()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory().FullName, "numbers.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: 1.10
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers:
                    x-agent: { exact: 007 }
                route:
                - destination: { host: reviews, subset: v1 }
            """, TestContext.Current.CancellationToken);

        Assert.Equal(0, (await RunAsync("apply", "-f", file)).Code);
        var rule = await RunAsync("get", "dr", "reviews", "-o", "yaml");
        var route = await RunAsync("get", "vs", "reviews", "-o", "json");
        var again = await RunAsync("apply", "-f", file);

        Assert.Contains("version: 1.10", rule.Out, StringComparison.Ordinal);
        Assert.Contains("\"exact\": \"007\"", route.Out, StringComparison.Ordinal);
        Assert.Equal(0, again.Code);
        Assert.Contains("virtualservice.networking.istio.io/reviews unchanged", again.Out, StringComparison.Ordinal);
        Assert.Contains("destinationrule.networking.istio.io/reviews unchanged", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_DocumentWrittenAsYamlByHand_PrintedNotCrashed()
    {
        using var client = Registry.Consul.ConsulClient.Create(Registry.Consul.ConsulConnection.Resolve(consul.Agent.Address, token: null));
        await client.PutKeyAsync($"{_prefix}destinationrule/default/ratings", "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: ratings }\nspec: { host: ratings }\n", 0, TestContext.Current.CancellationToken);

        var (code, output, error) = await RunAsync("get", "dr", "ratings", "-o", "json");

        Assert.Equal((0, ""), (code, error));
        Assert.Contains("\"host\": \"ratings\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ListsAndPrintsYamlAndJson()
    {
        await RunAsync("apply", "-f", Networking("destination-rule-all.yaml"), "-f", Networking("virtual-service-reviews-test-v2.yaml"));

        var table = await RunAsync("get", "virtualservices");
        Assert.Equal(0, table.Code);
        Assert.Matches(@"NAME\s+HOSTS\s+reviews\s+\[reviews\]", table.Out);

        var yaml = await RunAsync("get", "vs", "reviews", "-o", "yaml");
        Assert.Equal(0, yaml.Code);
        Assert.Contains("kind: VirtualService", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("exact: jason", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("namespace: default", yaml.Out, StringComparison.Ordinal);

        var json = await RunAsync("get", "dr", "-o", "json");
        Assert.Equal(0, json.Code);
        Assert.Contains("\"kind\": \"List\"", json.Out, StringComparison.Ordinal);
        Assert.Contains("\"host\": \"ratings\"", json.Out, StringComparison.Ordinal);

        var missing = await RunAsync("get", "vs", "nope");
        Assert.Equal(MeshCtl.Invalid, missing.Code);
        Assert.Contains("virtualservice.networking.istio.io \"nope\" not found", missing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ByNameAndByFile_RefusingOneThatBreaksReferences()
    {
        await RunAsync("apply", "-f", Networking("destination-rule-all.yaml"), "-f", Networking("virtual-service-reviews-v3.yaml"));

        var refused = await RunAsync("delete", "dr", "reviews");
        Assert.Equal(MeshCtl.Invalid, refused.Code);
        Assert.Contains("deleting would leave the mesh config invalid", refused.Err, StringComparison.Ordinal);

        var byName = await RunAsync("delete", "vs", "reviews");
        Assert.Equal(0, byName.Code);
        Assert.Equal("virtualservice.networking.istio.io \"reviews\" deleted", byName.Out.Trim());

        var byFile = await RunAsync("delete", "-f", Networking("destination-rule-all.yaml"));
        Assert.Equal(0, byFile.Code);
        Assert.Contains("destinationrule.networking.istio.io \"ratings\" deleted", byFile.Out, StringComparison.Ordinal);

        var again = await RunAsync("delete", "vs", "reviews");
        Assert.Equal(MeshCtl.Invalid, again.Code);
        Assert.Contains("not found", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsulUnreachable_ExitsTwoWithAMessageThatSaysSo()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await MeshCtl.RunAsync(["get", "vs", "--consul", "http://127.0.0.1:1"], new StringReader(""), output, error, TestContext.Current.CancellationToken);

        Assert.Equal(MeshCtl.Unreachable, code);
        Assert.Contains("Consul at http://127.0.0.1:1/ is unreachable", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsulAddress_FromConsulHttpAddr()
    {
        // No --consul: CONSUL_HTTP_ADDR names the agent, as for the consul CLI.
        using var output = new StringWriter();
        using var error = new StringWriter();
        var previous = Environment.GetEnvironmentVariable("CONSUL_HTTP_ADDR");
        Environment.SetEnvironmentVariable("CONSUL_HTTP_ADDR", "127.0.0.1:1");
        int code;
        try
        {
            code = await MeshCtl.RunAsync(["get", "vs"], new StringReader(""), output, error, TestContext.Current.CancellationToken);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CONSUL_HTTP_ADDR", previous);
        }

        Assert.Equal(MeshCtl.Unreachable, code);
        Assert.Contains("http://127.0.0.1:1/", error.ToString(), StringComparison.Ordinal);
    }
}
