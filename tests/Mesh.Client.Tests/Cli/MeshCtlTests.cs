using Mesh.Cli;

namespace Mesh.Client.Tests.Cli;

public sealed class MeshCtlTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshctl-").FullName;

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

    private const string Route = """
        apiVersion: networking.istio.io/v1beta1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
        """;

    private (int Code, string Out, string Err) Run(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = MeshCtl.Run(args, new StringReader(stdin), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Validate_ValidFiles_ListsEachDocumentAndExitsZero()
    {
        var rule = Write("rule.yaml", Rule);
        var route = Write("route.yaml", Route);

        var (code, output, error) = Run("", "validate", "-f", rule, "-f", route);

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Equal("", error);
        Assert.Contains("destinationrule.networking.istio.io/reviews valid", output, StringComparison.Ordinal);
        Assert.Contains("virtualservice.networking.istio.io/reviews valid", output, StringComparison.Ordinal);
        Assert.Contains("2 documents valid.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Directory_ValidatesItsFilesAsOneConfig()
    {
        Write("a.yaml", Rule);
        Write("b.json", """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews"},"spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews","subset":"v1"}}]}]}}""");

        var (code, output, _) = Run("", "validate", "-f", _directory);

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains("2 documents valid.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GatewayBesideTheRules_SkippedWithOneLine()
    {
        var file = Write("gateway.yaml", Rule + "\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: { name: bookinfo-gateway }\nspec:\n  selector: { istio: ingressgateway }\n");

        var (code, output, _) = Run("", "validate", "-f", file);

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains($"skipped Gateway bookinfo-gateway ({file}:", output, StringComparison.Ordinal);
        Assert.Contains("1 document valid.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_VirtualServiceBoundToAGatewayOnly_SaysItDoesNotApplyToMeshTraffic()
    {
        var file = Write("gw.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: bookinfo }\nspec:\n  hosts: ['*']\n  gateways: [bookinfo-gateway]\n  http:\n  - route:\n    - destination: { host: productpage }\n");

        var (code, output, _) = Run("", "validate", "-f", file);

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains("is bound to gateways [bookinfo-gateway] without 'mesh', so it does not apply to mesh traffic", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RouteToASubsetWithoutItsRule_HintsToNameTheRulesFile()
    {
        var route = Write("route.yaml", Route);

        var (code, _, error) = Run("", "validate", "-f", route);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("name the DestinationRule's file too", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SubsetWithStrayDot_PrintsTheErrorAndExitsOne()
    {
        var route = Write("route.yaml", Route.Replace("subset: v1", "subset: v1.", StringComparison.Ordinal));

        var (code, output, error) = Run(Rule, "validate", "-f", "-", "-f", route);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal("", output);
        Assert.Contains($"error: VirtualService reviews ({route}:1): spec.http[0].route[0].destination.subset: 'v1.' is not defined by any DestinationRule for host 'reviews' (it defines 'v1')", error, StringComparison.Ordinal);
        Assert.Contains("1 error; the config is not valid.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryErrorOfEveryFile_IsPrinted()
    {
        var bad1 = Write("bad1.yaml", Route.Replace("hosts:", "hostz:", StringComparison.Ordinal));
        var bad2 = Write("bad2.yaml", Rule.Replace("networking.istio.io/v1", "networking.istio.io/v2", StringComparison.Ordinal));

        var (code, _, error) = Run("", "validate", "-f", bad1, "-f", bad2);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("spec.hostz: unknown field 'hostz'", error, StringComparison.Ordinal);
        Assert.Contains("apiVersion: 'networking.istio.io/v2' is not an apiVersion of DestinationRule", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingFile_IsAnError()
    {
        var (code, _, error) = Run("", "validate", "-f", Path.Combine(_directory, "nope.yaml"));

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("nope.yaml: no such file or directory", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("validate")]
    [InlineData("validate", "--bogus")]
    public void Run_BadUsage_ExitsOneWithAHint(params string[] args)
    {
        var (code, _, error) = Run("", args);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("meshctl help", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status: &a [*a]")]
    [InlineData("? &a [*a]")]
    [InlineData("spec: { hosts: [reviews }")]
    [InlineData("kind: VirtualService\nspec: { http: [{ timeout: 999999999h }] }")]
    [InlineData("[a]: 1")]
    public void Validate_HostileInput_PrintsAnErrorAndExitsOneWithoutAStackTrace(string text)
    {
        var file = Write("hostile.yaml", text);

        var (code, output, error) = Run("", "validate", "-f", file);

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(file, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DeepNestingOnStdin_PrintsTheLimit()
    {
        var (code, _, error) = Run("status: " + new string('[', 5000) + new string(']', 5000), "validate", "-f", "-");

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("<stdin>:1: mappings and sequences nest more than 64 deep (limit: nesting depth)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StdinPastTheFileLimit_Refused()
    {
        var (code, _, error) = Run(new string('#', Configuration.Internal.DocumentLimits.MaxFileChars + 10), "validate", "-f", "-");

        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("(limit: file size)", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
