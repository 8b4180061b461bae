using Mesh.Cli;
using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Client.Tests.Cli;

public class MeshCtlAuthorizationPolicyTests
{
    [Fact]
    public void Validate_BookinfoSecurityDirectory_ValidatesEveryPolicyWithItsGroup()
    {
        var (code, output, error) = Run("validate", "-f", Path.Combine(RepoPaths.Root, "samples", "Bookinfo", "security"));

        Assert.Equal(MeshCtl.Ok, code);
        Assert.Equal("", error);
        Assert.Contains("authorizationpolicy.security.istio.io/allow-nothing valid", output, StringComparison.Ordinal);
        Assert.Contains("authorizationpolicy.security.istio.io/ratings-viewer valid", output, StringComparison.Ordinal);
        Assert.Contains("5 documents valid.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ap")]
    [InlineData("authorizationpolicy")]
    [InlineData("AuthorizationPolicies")]
    public void Kinds_AuthorizationPolicyNames_ParseToTheKind(string name)
    {
        Assert.Equal(AuthorizationPolicy.KindName, Kinds.Parse(name));
        Assert.Equal("authorizationpolicy.security.istio.io/x", Kinds.Resource(Kinds.Parse(name), "x"));
    }

    [Theory]
    [InlineData("pa")]
    [InlineData("peerauthentication")]
    [InlineData("PeerAuthentications")]
    public void Kinds_PeerAuthenticationNames_ParseToTheKind(string name)
    {
        Assert.Equal(PeerAuthentication.KindName, Kinds.Parse(name));
        Assert.Equal("peerauthentication.security.istio.io/x", Kinds.Resource(Kinds.Parse(name), "x"));
    }

    [Fact]
    public void Kinds_Unknown_ListsEveryKind() =>
        Assert.Equal(
            "'gateway' is not a kind meshctl knows; use virtualservice (vs), destinationrule (dr), authorizationpolicy (ap) or peerauthentication (pa)",
            Assert.Throws<ArgumentException>(() => Kinds.Parse("gateway")).Message);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = MeshCtl.Run(args, new StringReader(""), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
