
namespace Mesh.Configuration.Tests;

/// <summary>Issue 8, section 4: YAML as Kubernetes reads it (merge keys, a BOM before any document) and kubectl's List output.</summary>
public class MeshDocumentParserKubernetesYamlTests
{
    private static string Rule(string name) => $"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: {name}
        spec:
          host: {name}
        """;

    [Theory]
    [InlineData("\uFEFF{0}\n---\n{1}")]
    [InlineData("{0}\n---\n\uFEFF{1}")]
    [InlineData("\uFEFF{0}\n\uFEFF---\n{1}")]
    [InlineData("\uFEFF---\n{0}\n---\n\uFEFF{1}")]
    public void Parse_ByteOrderMarkBeforeAnyDocument_Read(string layout)
    {
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, layout, Rule("reviews"), Rule("ratings"));

        var result = MeshDocumentParser.Parse(text, "joined.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(["reviews", "ratings"], result.Documents.Select(d => d.Metadata.Name));
    }

    [Fact]
    public void Parse_MergeKeys_FieldsMergedOwnFieldsWin()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: &common
                  app: reviews
                  version: v1
              - name: v2
                labels:
                  <<: *common
                  version: v2
              - name: v3
                labels:
                  <<: [{ version: v3, tier: gold }, *common]
            """;

        var result = MeshDocumentParser.Parse(yaml, "merge.yaml", keepJson: true);

        Assert.Empty(result.Errors);
        var rule = Assert.IsType<DestinationRule>(Assert.Single(result.Documents));
        Assert.Equal(new Dictionary<string, string> { ["version"] = "v2", ["app"] = "reviews" }, rule.Spec.Subsets[1].Labels);
        Assert.Equal(new Dictionary<string, string> { ["version"] = "v3", ["tier"] = "gold", ["app"] = "reviews" }, rule.Spec.Subsets[2].Labels);
        Assert.DoesNotContain("<<", result.Json[0].ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MergeKeyOfAScalar_IsAnUnknownField()
    {
        var result = MeshDocumentParser.Parse(Rule("reviews") + "\n  <<: 5", "merge.yaml");

        Assert.Equal("spec.<<", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Parse_KubectlListOutput_ReadAsItsItems()
    {
        const string yaml = """
            apiVersion: v1
            items:
            - apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata:
                name: reviews
                namespace: default
                resourceVersion: "1234"
              spec:
                host: reviews
            - apiVersion: networking.istio.io/v1
              kind: VirtualService
              metadata:
                name: reviews
                namespace: default
              spec:
                hosts: [reviews]
                http:
                - route:
                  - destination: { host: reviews }
            kind: List
            metadata:
              resourceVersion: ""
            """;

        var result = MeshDocumentParser.Parse(yaml, "list.yaml", keepJson: true);

        Assert.Empty(result.Errors);
        Assert.Equal([("DestinationRule", 3), ("VirtualService", 11)], result.Documents.Select(d => (d.Kind, d.Source!.Line)));
        Assert.Equal(2, result.Json.Count);
        Assert.Empty(MeshConfigValidator.Validate(result.Documents));
    }

    [Fact]
    public void Parse_ListLargerThanOneDocumentMayBe_ItsItemsAreTheDocumentsForTheLimits()
    {
        // 800 rules of about 1.5 KB and 250 nodes: 1.2 MB and 200,000 nodes in one YAML document.
        var padding = string.Join("", Enumerable.Range(0, 120).Select(i => $"\n      k{i}: v"));
        var items = Enumerable.Range(0, 800).Select(i => $"- apiVersion: networking.istio.io/v1\n  kind: DestinationRule\n  metadata:\n    name: r{i}\n    annotations:{padding}\n  spec:\n    host: r{i}");
        var yaml = "apiVersion: v1\nkind: List\nitems:\n" + string.Join("\n", items);
        Assert.True(yaml.Length > Internal.DocumentLimits.MaxDocumentChars);

        var result = MeshDocumentParser.Parse(yaml, "export.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal(800, result.Documents.Count);
    }

    [Fact]
    public void Parse_ListItemPastTheNodeLimit_Refused()
    {
        var laughs = "[l, l, l, l, l, l, l, l, l, l]";
        var tree = "";
        for (var i = 0; i < 6; i++)
        {
            tree += $"\n      a{i}: &a{i} {laughs}";
            laughs = "[" + string.Join(", ", Enumerable.Repeat($"*a{i}", 10)) + "]";
        }

        var yaml = $"apiVersion: v1\nkind: List\nitems:\n- {Rule("reviews").Replace("\n", "\n  ", StringComparison.Ordinal)}\n  status:{tree}";

        var result = MeshDocumentParser.Parse(yaml, "export.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal("the document has more than 100000 nodes once aliases are expanded (limit: nodes per document)", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Parse_ListWithAnUnknownField_Refused()
    {
        var result = MeshDocumentParser.Parse("apiVersion: v1\nkind: List\nitems: []\nextra: 1\n", "list.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(("List (list.yaml:1)", "extra"), (error.Document, error.Path));
    }
}
