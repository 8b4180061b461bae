using System.Text.Json.Nodes;

namespace Mesh.Configuration.Internal.Tests;

/// <summary>Issue 8, section 2: what meshctl stores and prints is the text that was validated.</summary>
public class YamlJsonTests
{
    private const string Rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          labels: { version: 1.10, build: 007, on: True, nothing: ~, hex: 0x1F, big: 99999999999999999999999, exp: 1e3, empty: "", tilde: "~", colon: "a: b", quoted: "true" }
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: 1.10
        """;

    private const string Route = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews }
        spec:
          hosts: [reviews]
          http:
          - match:
            - headers:
                x-agent: { exact: 007 }
            route:
            - destination: { host: reviews }
              weight: 100
        """;

    [Fact]
    public void ToJson_NumbersAsWritten_StoredAndReadBackUnchanged()
    {
        var first = MeshDocumentParser.Parse(Rule + "\n---\n" + Route, "in.yaml", keepJson: true);
        Assert.Empty(first.Errors);

        // What apply stores (JSON), read back as get and every service read it.
        var stored = string.Join("\n---\n", first.Json.Select(j => j.ToJsonString()));
        var second = MeshDocumentParser.Parse(stored, "consul");

        Assert.Empty(second.Errors);
        var rule = (DestinationRule)second.Documents[0];
        Assert.Equal("1.10", rule.Spec.Subsets[0].Labels["version"]);
        Assert.Equal(((DestinationRule)first.Documents[0]).Metadata.Labels, rule.Metadata.Labels);
        Assert.Equal("007", ((VirtualService)second.Documents[1]).Spec.Http[0].Match[0].Headers["x-agent"].Exact);
        Assert.Contains("\"version\":1.10", stored, StringComparison.Ordinal);
        Assert.Contains("\"exact\":\"007\"", stored, StringComparison.Ordinal);
        Assert.Contains("\"weight\":100", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_StoredDocument_PrintsEveryValueAsWritten()
    {
        var parsed = MeshDocumentParser.Parse(Rule + "\n---\n" + Route, "in.yaml", keepJson: true);
        var stored = parsed.Json.Select(j => JsonNode.Parse(j.ToJsonString())).ToArray();

        var yaml = YamlJson.ToYaml(new JsonArray(stored));
        var reparsed = MeshDocumentParser.Parse(string.Join("\n", yaml.Split('\n').Select(l => l.StartsWith("- ", StringComparison.Ordinal) ? "---\n  " + l[2..] : l)), "get.yaml");

        Assert.Contains("version: 1.10", yaml, StringComparison.Ordinal);
        Assert.Contains("exact: 007", yaml, StringComparison.Ordinal);
        Assert.Contains("big: 99999999999999999999999", yaml, StringComparison.Ordinal);
        Assert.Contains("weight: 100", yaml, StringComparison.Ordinal);
        Assert.Empty(reparsed.Errors);
        Assert.Equal(((DestinationRule)parsed.Documents[0]).Metadata.Labels, ((DestinationRule)reparsed.Documents[0]).Metadata.Labels);
        Assert.Equal("1.10", ((DestinationRule)reparsed.Documents[0]).Spec.Subsets[0].Labels["version"]);
        Assert.Equal("007", ((VirtualService)reparsed.Documents[1]).Spec.Http[0].Match[0].Headers["x-agent"].Exact);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-1.5e-3", true)]
    [InlineData("1.10", true)]
    [InlineData("007", false)]
    [InlineData("+1", false)]
    [InlineData(".5", false)]
    [InlineData("1.", false)]
    [InlineData("0x1F", false)]
    [InlineData("1_000", false)]
    [InlineData("NaN", false)]
    [InlineData("", false)]
    public void IsJsonNumber_JsonGrammar(string text, bool expected)
    {
        Assert.Equal(expected, YamlJson.IsJsonNumber(text));
    }
}
