using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Snapshot.Tests;

public class AuthorizationScopeTests
{
    private static readonly MeshIdentity ReviewsV2 = new("reviews", "default", new Dictionary<string, string> { ["version"] = "v2" }, "10.0.0.2");

    [Theory]
    [InlineData("namespace: default", "", true)]
    [InlineData("namespace: other", "", false)]
    [InlineData("namespace: istio-system", "", true)]
    [InlineData("namespace: istio-system", "selector: { matchLabels: { version: v2 } }", true)]
    [InlineData("namespace: istio-system", "selector: { matchLabels: { version: v1 } }", false)]
    [InlineData("namespace: default", "selector: { matchLabels: { app: reviews, version: v2 } }", true)]
    [InlineData("namespace: default", "selector: { matchLabels: { app: ratings } }", false)]
    [InlineData("namespace: default", "selector: { matchLabels: {} }", true)]
    [InlineData("namespace: default", "targetRefs: [{ kind: Service, name: reviews }]", true)]
    [InlineData("namespace: default", "targetRefs: [{ kind: Service, group: '', name: ratings }]", false)]
    [InlineData("namespace: istio-system", "targetRefs: [{ kind: Service, name: reviews }]", false)]
    [InlineData("namespace: default", "targetRef: { kind: Service, name: reviews }", true)]
    public void Select_PolicyScope_AppliesAsIstioScopesIt(string ns, string target, bool applies)
    {
        var yaml = $"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{ name: p, {ns} }}\nspec:\n  {target}\n  rules: [{{}}]";

        var snapshot = TestMesh.Snapshot(TestMesh.Parse(yaml), [], ReviewsV2);

        Assert.Equal(applies ? 1 : 0, snapshot.AuthorizationPolicies.Count);
    }

    [Fact]
    public void Select_PolicyWithoutNamespace_IsInTheWorkloadsNamespace()
    {
        var snapshot = TestMesh.Snapshot(TestMesh.Parse("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: {}"), [], ReviewsV2);

        Assert.Equal("p", Assert.Single(snapshot.AuthorizationPolicies).Metadata.Name);
    }

    [Fact]
    public void Select_AppLabelSetByTheWorkload_WinsOverTheServiceName()
    {
        var identity = ReviewsV2 with { Labels = new Dictionary<string, string> { ["app"] = "reviews-api" } };
        var yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { selector: { matchLabels: { app: reviews } } }";

        Assert.Empty(TestMesh.Snapshot(TestMesh.Parse(yaml), [], identity).AuthorizationPolicies);
    }

    [Fact]
    public void Compile_ChangedPolicy_MakesSnapshotsUnequal()
    {
        var allow = TestMesh.Snapshot(TestMesh.Parse("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { rules: [{}] }"), [], ReviewsV2);
        var allowAgain = TestMesh.Snapshot(TestMesh.Parse("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { rules: [{}] }"), [], ReviewsV2);
        var deny = TestMesh.Snapshot(TestMesh.Parse("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p }\nspec: {}"), [], ReviewsV2);

        Assert.True(allow.AuthorizationPolicies.Equals(allowAgain.AuthorizationPolicies));
        Assert.NotEqual(allow, deny);
    }
}
