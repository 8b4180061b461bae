using Mesh.Configuration;

namespace Mesh.Security.Tests;

/// <summary>PeerAuthentication: parsed and validated as Istio does, and resolved for a workload with Istio's precedence.</summary>
public sealed class PeerAuthenticationPolicyTests
{
    private static readonly Dictionary<string, string> Reviews = new() { ["app"] = "reviews", ["version"] = "v1" };

    [Fact]
    public void Resolve_NoPolicy_Permissive()
    {
        Assert.Equal(PeerAuthenticationModes.Permissive, PeerAuthenticationPolicy.Resolve([], "istio-system", "default", Reviews).Mode);
    }

    [Fact]
    public void Resolve_WorkloadOverNamespaceOverMesh_UnsetInherits_PortLevelOverrides()
    {
        var documents = Parse("""
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: default, namespace: istio-system }
            spec: { mtls: { mode: STRICT } }
            ---
            apiVersion: security.istio.io/v1beta1
            kind: PeerAuthentication
            metadata: { name: default, namespace: default }
            spec: { mtls: { mode: UNSET } }
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: reviews, namespace: default }
            spec:
              selector: { matchLabels: { app: reviews } }
              portLevelMtls:
                9080: { mode: PERMISSIVE }
                9090: { mode: UNSET }
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: ratings, namespace: default }
            spec:
              selector: { matchLabels: { app: ratings } }
              mtls: { mode: DISABLE }
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: { name: other, namespace: other }
            spec: { mtls: { mode: DISABLE } }
            """);

        var policy = PeerAuthenticationPolicy.Resolve(documents, "istio-system", "default", Reviews);

        Assert.Equal(PeerAuthenticationModes.Strict, policy.Mode);
        Assert.Equal(PeerAuthenticationModes.Permissive, policy.ModeFor(9080));
        Assert.Equal(PeerAuthenticationModes.Strict, policy.ModeFor(9090));
        Assert.Equal(PeerAuthenticationModes.Strict, policy.ModeFor(1234));
        Assert.Equal(PeerAuthenticationModes.Disable, PeerAuthenticationPolicy.Resolve(documents, "istio-system", "default", new Dictionary<string, string> { ["app"] = "ratings" }).Mode);

        // A workload without an app label is selected by app: <its service name>, as AuthorizationPolicy selects it.
        Assert.Equal(PeerAuthenticationModes.Disable, PeerAuthenticationPolicy.Resolve(documents, "istio-system", "default", new Dictionary<string, string>(), service: "ratings").Mode);
        Assert.Equal(PeerAuthenticationModes.Strict, PeerAuthenticationPolicy.Resolve(documents, "istio-system", "default", new Dictionary<string, string> { ["app"] = "web" }, service: "ratings").Mode);
        Assert.Equal(PeerAuthenticationModes.Disable, PeerAuthenticationPolicy.Resolve(documents, "istio-system", "other", Reviews).Mode);
    }

    [Theory]
    [InlineData("spec: { mtls: { mode: MUTUAL } }", "spec.mtls.mode", "'MUTUAL' is not a mode; use UNSET, DISABLE, PERMISSIVE or STRICT")]
    [InlineData("spec: { portLevelMtls: { 9080: { mode: STRICT } } }", "spec.portLevelMtls", "requires a selector (Istio: portLevelMtls applies to the workloads a selector names); add selector.matchLabels or remove it")]
    [InlineData("spec: { selector: { matchLabels: { app: x } }, portLevelMtls: { 0: { mode: STRICT } } }", "spec.portLevelMtls.0", "'0' is not a port number; use 1-65535 (Istio: port cannot be 0)")]
    [InlineData("spec: { mtls: { mode: STRICT, other: 1 } }", "spec.mtls.other", "unknown field 'other'; check the spelling against Istio's API reference")]
    public void Parse_Invalid_ErrorNamesTheField(string spec, string path, string message)
    {
        var result = MeshDocumentParser.Parse($"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{ name: x }}\n{spec}\n", "pa.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal((path, message), (error.Path, error.Message.Split(" (line")[0]));
    }

    [Fact]
    public void Parse_WrongGroup_Refused()
    {
        var result = MeshDocumentParser.Parse("apiVersion: networking.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: x }\nspec: {}\n", "pa.yaml");
        Assert.Contains(result.Errors, e => e.Path == "apiVersion");
    }

    private static IReadOnlyList<MeshDocument> Parse(string yaml)
    {
        var result = MeshDocumentParser.Parse(yaml, "pa.yaml");
        Assert.Empty(result.Errors);
        return result.Documents;
    }
}
