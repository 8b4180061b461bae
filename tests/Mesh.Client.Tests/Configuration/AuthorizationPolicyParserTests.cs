namespace Mesh.Configuration.Tests;

public class AuthorizationPolicyParserTests
{
    /// <summary>The examples of Istio's AuthorizationPolicy reference page (istio/api security/v1beta1/authorization_policy.proto), except those that need JWT.</summary>
    public static TheoryData<string> ReferenceExamples => new()
    {
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: httpbin
          namespace: foo
        spec:
          action: DENY
          rules:
          - from:
            - source:
                namespaces: ["dev"]
            to:
            - operation:
                methods: ["POST"]
        """,
        """
        apiVersion: security.istio.io/v1beta1
        kind: AuthorizationPolicy
        metadata:
          name: httpbin
          namespace: foo
        spec:
          action: DENY
          rules:
          - to:
            - operation:
                methods: ["POST"]
                ports: ["8080"]
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          namespace: ns1
          name: anyname
        spec:
          selector:
            matchLabels:
              app: myapi
          action: AUDIT
          rules:
          - to:
            - operation:
                methods: ["GET"]
                paths: ["/user/profile/*"]
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
         name: allow-nothing
         namespace: foo
        spec:
          {}
        """,
        """
        apiVersion: security.istio.io/v1beta1
        kind: AuthorizationPolicy
        metadata:
         name: allow-all
         namespace: foo
        spec:
         rules:
         - {}
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: allow-nothing
          namespace: bar
        spec:
          selector:
            matchLabels:
              app: httpbin
        """,
        """
        apiVersion: security.istio.io/v1beta1
        kind: AuthorizationPolicy
        metadata:
         name: allow-nothing
         namespace: istio-system
        spec:
         selector:
           matchLabels:
             version: v1
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: dry-run-example
          annotations:
            "istio.io/dry-run": "true"
        spec:
          selector:
            matchLabels:
              app: httpbin
          action: DENY
          rules:
          - to:
            - operation:
                paths: ["/headers"]
        """,
    };

    [Theory]
    [MemberData(nameof(ReferenceExamples))]
    public void Parse_IstioReferenceExample_ParsesAndValidates(string yaml)
    {
        var result = MeshDocumentParser.Parse(yaml, "example.yaml");

        Assert.Empty(result.Errors);
        var policy = Assert.IsType<AuthorizationPolicy>(Assert.Single(result.Documents));
        Assert.Empty(MeshConfigValidator.Validate(result.Documents));
        Assert.Equal(AuthorizationPolicy.KindName, policy.Kind);
    }

    [Fact]
    public void Parse_FirstReferenceExample_ReadsEveryFieldAndRefusesTheJwtCondition()
    {
        const string yaml = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: httpbin
              namespace: foo
            spec:
              action: ALLOW
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/sleep"]
                - source:
                    namespaces: ["test"]
                to:
                - operation:
                    methods: ["GET"]
                    paths: ["/info*"]
                - operation:
                    methods: ["POST"]
                    paths: ["/data"]
                when:
                - key: request.auth.claims[iss]
                  values: ["https://accounts.google.com"]
            """;

        var result = MeshDocumentParser.Parse(yaml, "example.yaml");

        var policy = Assert.IsType<AuthorizationPolicy>(Assert.Single(result.Documents));
        var rule = Assert.Single(policy.Spec.Rules);
        Assert.Equal(["cluster.local/ns/default/sa/sleep"], rule.From![0].Principals);
        Assert.Equal(["test"], rule.From[1].Namespaces);
        Assert.Equal(["/info*"], rule.To![0].Paths);
        Assert.Equal(["POST"], rule.To[1].Methods);
        var error = Assert.Single(MeshConfigValidator.Validate(result.Documents));
        Assert.Equal("spec.rules[0].when[0].key", error.Path);
        Assert.Equal("'request.auth.claims[iss]' is not supported by Mesh until RequestAuthentication (JWT) is supported", error.Message);
    }

    [Fact]
    public void Parse_TwoParsesOfOneText_AreEqual()
    {
        var yaml = (string)ReferenceExamples.First().Data;

        Assert.Equal(MeshDocumentParser.Parse(yaml, "a.yaml").Documents[0] with { Source = null }, MeshDocumentParser.Parse(yaml, "b.yaml").Documents[0] with { Source = null });
    }

    [Fact]
    public void Parse_EmptyRuleAndNoRules_KeepTheDifference()
    {
        var allowAll = Parse("rules: [{}]");
        var allowNothing = Parse("{}");

        var rule = Assert.Single(allowAll.Spec.Rules);
        Assert.Null(rule.From);
        Assert.Null(rule.To);
        Assert.Empty(rule.When);
        Assert.Empty(allowNothing.Spec.Rules);
        Assert.Equal(AuthorizationActions.Allow, allowNothing.Spec.Action);
    }

    [Fact]
    public void Parse_RequestAuthenticationFields_AreRefusedNamingEach()
    {
        var errors = Errors("""
            rules:
            - from:
              - source:
                  requestPrincipals: ["issuer/subject"]
                  notRequestPrincipals: ["*"]
                  serviceAccounts: ["default/sleep"]
            """);

        Assert.Contains(errors, e => e.Path == "spec.rules[0].from[0].source.requestPrincipals" && e.Message.Contains("not supported by Mesh until RequestAuthentication (JWT) is supported", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "spec.rules[0].from[0].source.notRequestPrincipals" && e.Message.Contains("until RequestAuthentication", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "spec.rules[0].from[0].source.serviceAccounts" && e.Message.Contains("name the service accounts in principals", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryProblem_IsReportedAtOnceWithItsPath()
    {
        var errors = Errors("""
            selector:
              matchLabels:
                app: "web*"
            targetRefs:
            - kind: Service
              name: web
            action: DENY
            rules:
            - from: []
              to:
              - operation: {}
            - from:
              - source:
                  principals: [""]
                  ipBlocks: ["10.0.0.0/33", "300.1.1.1", "10.1.2.3", "2001:db8::/32"]
                  notRemoteIpBlocks: ["not-an-ip"]
              to:
              - operation:
                  ports: ["70000", "http", "8080"]
                  paths: ["/api/{*}"]
              when:
              - key: request.headers[]
                values: ["x"]
              - key: source.ip
                notValues: ["10.0.0.1/99"]
              - key: destination.port
                values: ["-1"]
              - key: request.auth.principal
                values: ["x"]
              - key: destination.labels[app]
                values: ["x"]
              - key: source.nonsense
                values: ["x"]
              - key: connection.sni
              - key: experimental.envoy.filters.a[b]
                values: ["x"]
            """);

        string[] expected =
        [
            "spec",
            "spec.selector.matchLabels.app",
            "spec.rules[0].from",
            "spec.rules[0].to[0].operation",
            "spec.rules[1].from[0].source.principals[0]",
            "spec.rules[1].from[0].source.ipBlocks[0]",
            "spec.rules[1].from[0].source.ipBlocks[1]",
            "spec.rules[1].from[0].source.notRemoteIpBlocks[0]",
            "spec.rules[1].to[0].operation.ports[0]",
            "spec.rules[1].to[0].operation.ports[1]",
            "spec.rules[1].to[0].operation.paths[0]",
            "spec.rules[1].when[0].key",
            "spec.rules[1].when[1].notValues[0]",
            "spec.rules[1].when[2].values[0]",
            "spec.rules[1].when[3].key",
            "spec.rules[1].when[4].key",
            "spec.rules[1].when[5].key",
            "spec.rules[1].when[6]",
            "spec.rules[1].when[7].key",
        ];
        Assert.Equal(expected, errors.Select(e => e.Path));
        Assert.Contains("'source.nonsense' is not a known attribute; supported keys: request.headers[NAME], source.ip, remote.ip, source.principal, source.namespace, destination.ip, destination.port, connection.sni", errors.Select(e => e.Message));
        Assert.Contains("'destination.labels[app]' is replaced by the workload selector (Istio's rule)", errors.Select(e => e.Message));
        Assert.Contains("'300.1.1.1' is not an IP address, such as 10.1.2.3 or 2001:db8::1", errors.Select(e => e.Message));
    }

    [Fact]
    public void Validate_Custom_IsRefusedAsNotSupported()
    {
        var errors = Errors("""
            action: CUSTOM
            provider:
              name: my-custom-authz
            rules:
            - to:
              - operation:
                  paths: ["/admin/*"]
            """);

        var error = Assert.Single(errors);
        Assert.Equal("spec.action", error.Path);
        Assert.StartsWith("CUSTOM is not supported by Mesh: it delegates to an external authorizer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("action: DENY", "spec.rules", "DENY without rules is meaningless as it never matches (Istio refuses it); add an empty rule '{}' to deny every request")]
    [InlineData("action: REJECT", "spec.action", "'REJECT' is not an action; use ALLOW, DENY or AUDIT")]
    [InlineData("provider: { name: x }", "spec.provider", "must not be set with action ALLOW (only CUSTOM takes a provider); remove it")]
    [InlineData("targetRefs: [{ kind: Service, name: a, namespace: other }]", "spec.targetRefs[0].namespace", "must not be set: a policy can only attach to a resource of its own namespace (Istio's rule)")]
    [InlineData("targetRef: { group: gateway.networking.k8s.io, kind: Gateway, name: gw }", "spec.targetRef.kind", "Gateway is not supported by Mesh as a target: a proxyless mesh has no gateway proxy; attach the policy to a Service or use a selector")]
    [InlineData("targetRefs: [{ kind: Deployment, name: a }]", "spec.targetRefs[0].kind", "'/Deployment' is not a target kind; use kind Service (group \"\")")]
    [InlineData("targetRef: { kind: Service, name: a }\ntargetRefs: [{ kind: Service, name: b }]", "spec", "set only one of selector, targetRef or targetRefs")]
    [InlineData("rules: [{ to: [{ operation: { methods: [GET] } }], when: [{ key: 'request.headers[x-user]', values: [] }] }]", "spec.rules[0].when[0]", "set at least one of values or notValues for key 'request.headers[x-user]'")]
    [InlineData("rules: [{ from: [{}] }]", "spec.rules[0].from[0].source", "is required: an entry without it would match every request; remove the entry or fill it in")]
    [InlineData("rules: [{ to: [{ operation: { hosts: [a], bogus: 1 } }] }]", "spec.rules[0].to[0].operation.bogus", "unknown field 'bogus'; check the spelling against Istio's API reference (line 5)")]
    public void Validate_OneProblem_NamesItsPath(string spec, string path, string message)
    {
        var error = Assert.Single(Errors(spec));

        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Validate_BadPolicy_NamesTheDocument()
    {
        var errors = Errors("action: DENY");

        Assert.StartsWith("AuthorizationPolicy default/p (policy.yaml:1)", Assert.Single(errors).Document, StringComparison.Ordinal);
    }

    private static AuthorizationPolicy Parse(string spec)
    {
        var result = MeshDocumentParser.Parse(Document(spec), "policy.yaml");
        Assert.Empty(result.Errors);
        return Assert.IsType<AuthorizationPolicy>(Assert.Single(result.Documents));
    }

    /// <summary>The parse errors, or when it parsed, the validation errors.</summary>
    private static IReadOnlyList<ConfigError> Errors(string spec)
    {
        var result = MeshDocumentParser.Parse(Document(spec), "policy.yaml");
        return result.Errors.Count > 0 ? result.Errors : MeshConfigValidator.Validate(result.Documents);
    }

    private static string Document(string spec) =>
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: p, namespace: default }\nspec:\n" +
        string.Join('\n', spec.Split('\n').Select(line => "  " + line));
}
