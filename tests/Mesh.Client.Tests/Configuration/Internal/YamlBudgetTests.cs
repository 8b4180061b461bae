using System.Text;
using Mesh.Tests;

namespace Mesh.Configuration.Internal.Tests;

/// <summary>Issue 8, section 1: inputs that crashed or exhausted the process end as errors naming file, line and limit.</summary>
public class YamlBudgetTests
{
    private const string Rule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
          labels: LABELS
        spec:
          host: reviews
        status: STATUS
        """;

    private static string WithStatus(string status) => Rule.Replace("LABELS", "{}", StringComparison.Ordinal).Replace("STATUS", status, StringComparison.Ordinal);

    [Theory]
    [InlineData("&a [*a]")]
    [InlineData("&a {x: *a}")]
    [InlineData("&a [1, [2, *a]]")]
    public void Parse_SelfReferentialAliasUnderStatus_RefusedNamingTheLine(string status)
    {
        var result = MeshDocumentParser.Parse(WithStatus(status), "rule.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("rule.yaml:8", error.Document);
        Assert.Equal("alias '*a' refers to a node that contains it, which never ends (limit: no recursive aliases)", error.Message);
    }

    [Fact]
    public void Parse_SelfReferentialAliasInLabels_Refused()
    {
        var result = MeshDocumentParser.Parse(Rule.Replace("LABELS", "&a {x: *a}", StringComparison.Ordinal).Replace("STATUS", "{}", StringComparison.Ordinal), "rule.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("rule.yaml:5", error.Document);
        Assert.Contains("(limit: no recursive aliases)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TenByteRecursiveKey_Refused()
    {
        var result = MeshDocumentParser.Parse("? &a [*a]\n", "k.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("k.yaml:1", error.Document);
        Assert.Equal("a mapping key must be a string, not a mapping or a sequence", error.Message);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(5_000)]
    [InlineData(200_000)]
    public void Parse_DeeplyNestedFlowSequences_RefusedAtTheDepthLimit(int depth)
    {
        var text = "status: " + new string('[', depth) + new string(']', depth);

        var result = MeshDocumentParser.Parse(text, "deep.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("deep.yaml:1", error.Document);
        Assert.Equal("mappings and sequences nest more than 64 deep (limit: nesting depth)", error.Message);
    }

    /// <summary>A reload runs on a pool thread; a deep input at the limit must fit a small stack, and one past it must not recurse at all.</summary>
    [Theory]
    [InlineData(62, true)]
    [InlineData(5_000, false)]
    public void Parse_DeepInputOnASmallStack_NoOverflow(int depth, bool accepted)
    {
        var text = WithStatus(new string('[', depth) + new string(']', depth));
        MeshParseResult? result = null;
        var thread = new Thread(() => result = MeshDocumentParser.Parse(text, "deep.yaml"), maxStackSize: 256 * 1024);

        thread.Start();
        thread.Join();

        Assert.Equal(accepted, result!.Errors.Count == 0);
    }

    [Fact]
    public void Parse_UnclosedDeepNesting_RefusedAsDepthOrSyntax()
    {
        var result = MeshDocumentParser.Parse("spec: " + new string('[', 5_000), "deep.yaml");

        Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_DeeplyNestedBlockMappings_Refused()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            text.Append(' ', i * 2).Append('k').Append(i).AppendLine(":");
        }

        var result = MeshDocumentParser.Parse(text.ToString(), "deep.yaml");

        Assert.Contains("(limit: nesting depth)", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DepthReachedOnlyThroughAliases_Refused()
    {
        // 40 levels, then an alias of 40 more: each part is within 64, together they are not.
        var deep = new string('[', 40) + new string(']', 40);
        var result = MeshDocumentParser.Parse($"a: &d {deep}\nb: {new string('[', 40)}*d{new string(']', 40)}", "alias.yaml");

        Assert.Equal("mappings and sequences nest more than 64 deep once aliases are expanded (limit: nesting depth)", Assert.Single(result.Errors).Message);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    public void Parse_BillionLaughsUnderStatus_RefusedWithinAMemoryBound(int levels)
    {
        var laughs = new StringBuilder("\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]");
        for (var i = 1; i < levels; i++)
        {
            laughs.Append(CultureInfoInvariant($"\n  a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = MeshDocumentParser.Parse(WithStatus(laughs.ToString()), "laughs.yaml");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(result.Documents);
        Assert.Equal("the document has more than 100000 nodes once aliases are expanded (limit: nodes per document)", Assert.Single(result.Errors).Message);
        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Parse_AliasesWithinTheBudget_Accepted()
    {
        var result = MeshDocumentParser.Parse(
            WithStatus("\n  a: &x {k: [1, 2, 3]}\n  b: *x\n  c: [*x, *x]"),
            "ok.yaml");

        Assert.Empty(result.Errors);
        Assert.Single(result.Documents);
    }

    [Fact]
    public void Parse_TooManyDocuments_Refused()
    {
        var text = string.Concat(Enumerable.Repeat("---\n{}\n", 1_001));

        var result = MeshDocumentParser.Parse(text, "many.yaml");

        Assert.Equal("the file has more than 1000 documents (limit: documents per file); split it into several files", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Parse_DocumentLargerThanTheLimit_Refused()
    {
        var text = WithStatus("'" + new string('x', DocumentLimits.MaxDocumentChars) + "'");

        var result = MeshDocumentParser.Parse(text, "big.yaml");

        Assert.StartsWith("the document is ", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
        Assert.EndsWith("(limit: document size)", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FileLargerThanTheLimit_RefusedBeforeParsing()
    {
        var result = MeshDocumentParser.Parse(new string('#', DocumentLimits.MaxFileChars + 1), "huge.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("huge.yaml", error.Document);
        Assert.Contains("(limit: file size)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[a, b]: 1")]
    [InlineData("? [a, b]\n: 1")]
    [InlineData("{a: b}: 1")]
    public void Parse_SequenceOrMappingAsKey_RefusedNotInvalidCast(string status)
    {
        var result = MeshDocumentParser.Parse(WithStatus("\n  " + status.Replace("\n", "\n  ", StringComparison.Ordinal)), "key.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal("a mapping key must be a string, not a mapping or a sequence", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Parse_UnclosedFlowSequence_IsAYamlErrorWithTheLine()
    {
        var yaml = TestMesh.VirtualService("reviews", "[reviews", "- route:\n  - destination: { host: reviews }");

        var result = MeshDocumentParser.Parse(yaml, "vs.yaml");

        Assert.Empty(result.Documents);
        Assert.StartsWith("is not valid YAML or JSON", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UndefinedAlias_IsAnError()
    {
        var result = MeshDocumentParser.Parse(WithStatus("*nothing"), "alias.yaml");

        Assert.Single(result.Errors);
        Assert.Empty(result.Documents);
    }

    [Fact]
    public void TryReadFile_EndlessDevice_StopsAtTheLimit()
    {
        Assert.SkipUnless(File.Exists("/dev/zero"), "needs /dev/zero");
        Assert.False(DocumentLimits.TryReadFile("/dev/zero", out var text, out var error));

        Assert.Equal("", text);
        Assert.Contains("(limit: file size)", error!.Message, StringComparison.Ordinal);
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);
}
