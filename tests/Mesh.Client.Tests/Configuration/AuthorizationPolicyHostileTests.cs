using System.Text;

namespace Mesh.Configuration.Tests;

/// <summary>Hostile AuthorizationPolicy documents: header names no request can carry, and enormous ipBlocks lists.</summary>
public sealed class AuthorizationPolicyHostileTests
{
    [Theory]
    [InlineData("x-\\u0001evil\\n", "x-\\u0001evil\\u000a")]
    [InlineData("x user", "x user")]
    [InlineData("x:user", "x:user")]
    [InlineData("é", "\\u00e9")]
    public void Validate_HeaderNameThatIsNotAToken_IsRefusedPrintably(string yamlName, string shown)
    {
        var errors = Errors($"action: DENY\nrules: [{{ when: [{{ key: \"request.headers[{yamlName}]\", values: ['*'] }}] }}]");

        var error = Assert.Single(errors);
        Assert.Equal("spec.rules[0].when[0].key", error.Path);
        Assert.Equal($"'{shown}' is not an HTTP header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~), so no request carries it", error.Message);
    }

    [Fact]
    public void Validate_HeaderNameToken_IsAccepted() =>
        Assert.Empty(Errors("action: DENY\nrules: [{ when: [{ key: \"request.headers[X-Custom_1.a~]\", values: ['*'] }] }]"));

    [Fact]
    public void Parse_100kIpBlocks_IsRefusedByTheDocumentLimits()
    {
        var blocks = new StringBuilder();
        for (var i = 0; i < 100_000; i++)
        {
            blocks.Append("      - 10.").Append(i / 65536 % 256).Append('.').Append(i / 256 % 256).Append('.').Append(i % 256).Append("/32\n");
        }

        var result = MeshDocumentParser.Parse(Document("rules:\n- from:\n  - source:\n      ipBlocks:\n" + blocks), "policy.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Contains("the document has more than 100000 nodes", error.Message, StringComparison.Ordinal);
        Assert.Empty(result.Documents);
    }

    private static IReadOnlyList<ConfigError> Errors(string spec)
    {
        var result = MeshDocumentParser.Parse(Document(spec), "policy.yaml");
        return result.Errors.Count > 0 ? result.Errors : MeshConfigValidator.Validate(result.Documents);
    }

    private static string Document(string spec) =>
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: default }\nspec:\n" +
        string.Join('\n', spec.Split('\n').Select(line => "  " + line));
}
