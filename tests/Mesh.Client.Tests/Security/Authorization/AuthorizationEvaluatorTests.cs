using System.Net;
using static Mesh.Security.Authorization.Tests.AuthorizationTestRequests;

namespace Mesh.Security.Authorization.Tests;

public class AuthorizationEvaluatorTests
{
    [Fact]
    public void Evaluate_NoPolicy_AllowsWithoutPolicy()
    {
        var evaluator = AuthorizationEvaluator.Compile([], "default");

        Assert.True(evaluator.IsAllowAll);
        Assert.Equal(new AuthorizationDecision(true, null, null), evaluator.Evaluate(Get()));
    }

    [Fact]
    public void Evaluate_AllowWithNoRules_DeniesEveryRequest()
    {
        var evaluator = Compile(Policy("allow-nothing", "{}"));

        var decision = evaluator.Evaluate(Get());

        Assert.False(decision.Allowed);
        Assert.True(decision.DeniedByDefault);
    }

    [Fact]
    public void Evaluate_AllowWithOneEmptyRule_AllowsEveryRequest()
    {
        var evaluator = Compile(Policy("allow-all", "rules: [{}]"));

        Assert.Equal(new AuthorizationDecision(true, "default/allow-all", null), evaluator.Evaluate(Get(principal: null, method: "DELETE")));
    }

    [Fact]
    public void Evaluate_DenyMatches_DeniesEvenWhenAnAllowMatches()
    {
        var evaluator = Compile(Policy("allow-all", "rules: [{}]") + "\n---\n" + Policy("deny-post", "action: DENY\nrules: [{ to: [{ operation: { methods: [POST] } }] }]"));

        Assert.Equal(new AuthorizationDecision(false, "default/deny-post", null), evaluator.Evaluate(Get(method: "POST")));
        Assert.Equal(new AuthorizationDecision(true, "default/allow-all", null), evaluator.Evaluate(Get(method: "GET")));
    }

    [Fact]
    public void Evaluate_DenyOnlyAndNoMatch_Allows()
    {
        var evaluator = Compile(Policy("deny-post", "action: DENY\nrules: [{ to: [{ operation: { methods: [POST] } }] }]"));

        Assert.Equal(new AuthorizationDecision(true, null, null), evaluator.Evaluate(Get()));
    }

    [Fact]
    public void Evaluate_AllowPoliciesAndNoneMatches_Denies()
    {
        var evaluator = Compile(
            Policy("a", "rules: [{ to: [{ operation: { paths: [/a] } }] }]") + "\n---\n" +
            Policy("b", "rules: [{ to: [{ operation: { paths: [/b] } }] }]"));

        Assert.Equal(new AuthorizationDecision(true, "default/b", null), evaluator.Evaluate(Get("/b")));
        Assert.Equal(new AuthorizationDecision(false, null, null), evaluator.Evaluate(Get("/c")));
    }

    [Fact]
    public void Evaluate_AuditMatches_DoesNotChangeTheDecision()
    {
        var evaluator = Compile(
            Policy("audit-get", "action: AUDIT\nrules: [{ to: [{ operation: { methods: [GET] } }] }]") + "\n---\n" +
            Policy("deny-admin", "action: DENY\nrules: [{ to: [{ operation: { paths: [/admin*] } }] }]"));

        Assert.Equal(new AuthorizationDecision(true, null, "default/audit-get"), evaluator.Evaluate(Get("/x")));
        Assert.Equal(new AuthorizationDecision(false, "default/deny-admin", "default/audit-get"), evaluator.Evaluate(Get("/admin/users")));
        Assert.Equal(new AuthorizationDecision(true, null, null), evaluator.Evaluate(Get("/x", method: "PUT")));
    }

    [Fact]
    public void Evaluate_AuditOnly_AllowsEverything()
    {
        var evaluator = Compile(Policy("audit", "action: AUDIT\nrules: [{}]"));

        Assert.False(evaluator.IsAllowAll);
        Assert.Equal(new AuthorizationDecision(true, null, "default/audit"), evaluator.Evaluate(Get(principal: null)));
    }

    [Fact]
    public void Evaluate_DryRunDeny_IsReportedButNotEnforced()
    {
        var evaluator = Compile(Policy("dry", "action: DENY\nrules: [{ to: [{ operation: { paths: [/headers] } }] }]")
            .Replace("namespace: default }", "namespace: default, annotations: { istio.io/dry-run: \"true\" } }", StringComparison.Ordinal));

        var matched = evaluator.Evaluate(Get("/headers"));
        var other = evaluator.Evaluate(Get("/other"));

        Assert.True(matched.Allowed);
        Assert.Equal(new DryRunDecision(false, "default/dry"), matched.DryRun);
        Assert.True(other.Allowed);
        Assert.Equal(new DryRunDecision(true, null), other.DryRun);
    }

    [Theory]
    // Rules are OR'ed.
    [InlineData("rules: [{ to: [{ operation: { paths: [/a] } }] }, { to: [{ operation: { paths: [/productpage] } }] }]", true)]
    // from and to within a rule are AND'ed.
    [InlineData("rules: [{ from: [{ source: { namespaces: [default] } }], to: [{ operation: { methods: [POST] } }] }]", false)]
    [InlineData("rules: [{ from: [{ source: { namespaces: [default] } }], to: [{ operation: { methods: [GET] } }] }]", true)]
    // Entries of from (to) are OR'ed.
    [InlineData("rules: [{ from: [{ source: { namespaces: [other] } }, { source: { principals: ['*/sa/bookinfo-productpage'] } }] }]", true)]
    [InlineData("rules: [{ to: [{ operation: { methods: [POST] } }, { operation: { paths: ['/product*'] } }] }]", true)]
    // Fields within a source (operation) are AND'ed.
    [InlineData("rules: [{ from: [{ source: { namespaces: [default], ipBlocks: [192.168.0.0/16] } }] }]", false)]
    [InlineData("rules: [{ to: [{ operation: { methods: [GET], paths: [/other] } }] }]", false)]
    [InlineData("rules: [{ to: [{ operation: { methods: [GET], paths: [/productpage], ports: ['9080'] } }] }]", true)]
    // Values within a field are OR'ed.
    [InlineData("rules: [{ to: [{ operation: { methods: [PUT, GET] } }] }]", true)]
    // Conditions are AND'ed with each other and with from/to.
    [InlineData("rules: [{ to: [{ operation: { methods: [GET] } }], when: [{ key: source.ip, values: [10.0.0.0/8] }, { key: destination.port, values: ['9080'] }] }]", true)]
    [InlineData("rules: [{ to: [{ operation: { methods: [GET] } }], when: [{ key: source.ip, values: [10.0.0.0/8] }, { key: destination.port, values: ['9081'] }] }]", false)]
    // A condition with values and notValues needs both.
    [InlineData("rules: [{ when: [{ key: source.namespace, values: ['*'], notValues: [default] }] }]", false)]
    [InlineData("rules: [{ when: [{ key: source.namespace, values: ['*'], notValues: [prod] }] }]", true)]
    public void Evaluate_Combinations_FollowIstiosLogic(string spec, bool allowed)
    {
        Assert.Equal(allowed, Compile(Policy("p", spec)).Evaluate(Get()).Allowed);
    }

    [Theory]
    [InlineData("principals", "cluster.local/ns/default/sa/bookinfo-productpage", true)]
    [InlineData("principals", "cluster.local/ns/default/sa/bookinfo-reviews", false)]
    [InlineData("principals", "cluster.local/ns/default/*", true)]
    [InlineData("principals", "*/sa/bookinfo-productpage", true)]
    [InlineData("principals", "*", true)]
    [InlineData("principals", "Cluster.local/ns/default/sa/bookinfo-productpage", false)]
    [InlineData("notPrincipals", "cluster.local/ns/default/sa/bookinfo-reviews", true)]
    [InlineData("notPrincipals", "*", false)]
    [InlineData("namespaces", "default", true)]
    [InlineData("namespaces", "def*", true)]
    [InlineData("namespaces", "*ult", true)]
    [InlineData("namespaces", "prod", false)]
    [InlineData("namespaces", "d*f*lt", true)]
    [InlineData("namespaces", "d*x*t", false)]
    [InlineData("namespaces", "de.ault", false)]
    [InlineData("principals", "cluster.local/*/sa/bookinfo-productpage", false)]
    [InlineData("notNamespaces", "prod", true)]
    [InlineData("notNamespaces", "default", false)]
    [InlineData("ipBlocks", "10.0.0.5", true)]
    [InlineData("ipBlocks", "10.0.0.0/24", true)]
    [InlineData("ipBlocks", "10.0.1.7/24", false)]
    [InlineData("ipBlocks", "10.0.0.4/31", true)]
    [InlineData("ipBlocks", "10.0.0.6/31", false)]
    [InlineData("ipBlocks", "0.0.0.0/0", true)]
    [InlineData("ipBlocks", "::/0", false)]
    [InlineData("notIpBlocks", "10.0.0.5", false)]
    [InlineData("notIpBlocks", "192.168.0.0/16", true)]
    [InlineData("remoteIpBlocks", "10.0.0.5", true)]
    [InlineData("notRemoteIpBlocks", "10.0.0.5", false)]
    public void Evaluate_SourceField_MatchesAsIstioDoes(string field, string value, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ from: [{{ source: {{ {field}: ['{value}'] }} }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get()).Allowed);
    }

    /// <summary>
    /// Without a peer identity (plaintext, or a certificate without a SPIFFE ID) Envoy's <c>authenticated</c> principal
    /// matcher is false: principals and namespaces (even <c>*</c>) do not match, so their <c>not</c> forms do.
    /// </summary>
    [Theory]
    [InlineData("principals: ['*']", false)]
    [InlineData("principals: ['cluster.local/*']", false)]
    [InlineData("notPrincipals: ['cluster.local/ns/default/sa/bookinfo-productpage']", true)]
    [InlineData("notPrincipals: ['*']", true)]
    [InlineData("namespaces: ['*']", false)]
    [InlineData("notNamespaces: [default]", true)]
    public void Evaluate_NoPeerIdentity_IdentityFieldsDoNotMatchAndNotFormsDo(string source, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ from: [{{ source: {{ {source} }} }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get(principal: null)).Allowed);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.0/24", true)]
    [InlineData("198.51.100.1, 203.0.113.7", "203.0.113.7", true)]
    [InlineData("203.0.113.7, 198.51.100.1", "203.0.113.7", false)]
    [InlineData("2001:db8::1", "2001:db8::/32", true)]
    [InlineData("garbage", "10.0.0.5", true)]
    public void Evaluate_RemoteIpBlocks_UseTheLastForwardedForAddressElseThePeer(string forwardedFor, string block, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ from: [{{ source: {{ remoteIpBlocks: ['{block}'] }} }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get(headers: ("X-Forwarded-For", forwardedFor))).Allowed);
    }

    [Fact]
    public void Evaluate_IpBlocks_MatchIPv6AndIPv4MappedPeers()
    {
        var v6 = Compile(Policy("p", "rules: [{ from: [{ source: { ipBlocks: ['2001:db8::/32'] } }] }]"));
        var v4 = Compile(Policy("p", "rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }]"));

        Assert.True(v6.Evaluate(Get() with { SourceAddress = IPAddress.Parse("2001:db8:1::5") }).Allowed);
        Assert.False(v6.Evaluate(Get() with { SourceAddress = IPAddress.Parse("2001:db9::5") }).Allowed);
        Assert.True(v4.Evaluate(Get() with { SourceAddress = IPAddress.Parse("::ffff:10.1.2.3") }).Allowed);
        Assert.False(v4.Evaluate(Get() with { SourceAddress = null }).Allowed);
    }

    [Theory]
    [InlineData("hosts", "productpage:9080", true)]
    [InlineData("hosts", "PRODUCTPAGE:9080", true)]
    [InlineData("hosts", "productpage", false)]
    [InlineData("hosts", "productpage:*", true)]
    [InlineData("hosts", "*:9080", true)]
    [InlineData("hosts", "*", true)]
    [InlineData("notHosts", "Productpage:9080", false)]
    [InlineData("ports", "9080", true)]
    [InlineData("ports", "80", false)]
    [InlineData("notPorts", "9080", false)]
    [InlineData("methods", "GET", true)]
    [InlineData("methods", "get", false)]
    [InlineData("methods", "G*", true)]
    [InlineData("notMethods", "POST", true)]
    [InlineData("paths", "/productpage", true)]
    [InlineData("paths", "/product*", true)]
    [InlineData("paths", "*page", true)]
    [InlineData("paths", "/productpage/", false)]
    [InlineData("paths", "*", true)]
    [InlineData("notPaths", "/admin*", true)]
    public void Evaluate_OperationField_MatchesAsIstioDoes(string field, string value, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ to: [{{ operation: {{ {field}: ['{value}'] }} }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get()).Allowed);
    }

    [Fact]
    public void Evaluate_Hosts_NoHostHeaderMatchesNoHostAndEveryNotHost()
    {
        var hosts = Compile(Policy("p", "rules: [{ to: [{ operation: { hosts: ['*'] } }] }]"));
        var notHosts = Compile(Policy("p", "rules: [{ to: [{ operation: { notHosts: ['*'] } }] }]"));

        Assert.False(hosts.Evaluate(Get() with { Host = null }).Allowed);
        Assert.True(notHosts.Evaluate(Get() with { Host = null }).Allowed);
    }

    [Fact]
    public void Evaluate_GrpcPath_MatchesTheFullMethodNameAndPost()
    {
        var evaluator = Compile(Policy("p", "rules: [{ to: [{ operation: { methods: [POST], paths: ['/mesh.test.v1.Echo/Say', '/grpc.health.v1.Health/*'] } }] }]"));

        Assert.True(evaluator.Evaluate(Get("/mesh.test.v1.Echo/Say", method: "POST")).Allowed);
        Assert.True(evaluator.Evaluate(Get("/grpc.health.v1.Health/Check", method: "POST")).Allowed);
        Assert.False(evaluator.Evaluate(Get("/mesh.test.v1.Echo/Other", method: "POST")).Allowed);
    }

    [Theory]
    [InlineData("values: [jason]", true)]
    [InlineData("values: [Jason]", false)]
    [InlineData("values: ['ja*']", true)]
    [InlineData("values: ['*']", true)]
    [InlineData("notValues: [jason]", false)]
    [InlineData("notValues: [mary]", true)]
    public void Evaluate_HeaderCondition_MatchesTheHeader(string values, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ when: [{{ key: 'request.headers[end-user]', {values} }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get(headers: ("End-User", "jason"))).Allowed);
    }

    [Fact]
    public void Evaluate_HeaderCondition_AbsentHeaderMatchesOnlyNotValuesAndEmptyHeaderMatchesPresence()
    {
        var present = Compile(Policy("p", "rules: [{ when: [{ key: 'request.headers[x-token]', values: ['*'] }] }]"));
        var notValues = Compile(Policy("p", "rules: [{ when: [{ key: 'request.headers[x-token]', notValues: ['*'] }] }]"));

        Assert.False(present.Evaluate(Get()).Allowed);
        Assert.True(present.Evaluate(Get(headers: ("x-token", ""))).Allowed);
        Assert.True(notValues.Evaluate(Get()).Allowed);
    }

    [Fact]
    public void Evaluate_HeaderSentTwice_IsMatchedJoinedWithACommaAsEnvoySeesIt()
    {
        var evaluator = Compile(Policy("p", "rules: [{ when: [{ key: 'request.headers[x-role]', values: ['admin,dev'] }] }]"));

        Assert.True(evaluator.Evaluate(Get(headers: [("x-role", "admin"), ("x-role", "dev")])).Allowed);
        Assert.False(evaluator.Evaluate(Get(headers: ("x-role", "admin"))).Allowed);
    }

    [Theory]
    [InlineData("source.ip", "10.0.0.5", true)]
    [InlineData("source.ip", "10.0.0.0/30", false)]
    [InlineData("remote.ip", "10.0.0.5", true)]
    [InlineData("destination.ip", "10.0.0.9", true)]
    [InlineData("destination.ip", "10.0.0.5", false)]
    [InlineData("destination.port", "9080", true)]
    [InlineData("source.principal", "cluster.local/ns/default/sa/bookinfo-productpage", true)]
    [InlineData("source.principal", "*/sa/bookinfo-reviews", false)]
    [InlineData("source.namespace", "default", true)]
    [InlineData("connection.sni", "productpage.default.svc.cluster.local", true)]
    [InlineData("connection.sni", "*.svc.cluster.local", true)]
    [InlineData("connection.sni", "reviews.default.svc.cluster.local", false)]
    public void Evaluate_ConditionKey_ReadsItsAttribute(string key, string value, bool allowed)
    {
        var evaluator = Compile(Policy("p", $"rules: [{{ when: [{{ key: {key}, values: ['{value}'] }}] }}]"));

        Assert.Equal(allowed, evaluator.Evaluate(Get() with { Sni = "productpage.default.svc.cluster.local" }).Allowed);
    }

    [Fact]
    public void Evaluate_ConnectionSniWithoutTls_MatchesOnlyNotValues()
    {
        var values = Compile(Policy("p", "rules: [{ when: [{ key: connection.sni, values: ['*'] }] }]"));
        var notValues = Compile(Policy("p", "rules: [{ when: [{ key: connection.sni, notValues: [a.example] }] }]"));

        Assert.False(values.Evaluate(Get()).Allowed);
        Assert.True(notValues.Evaluate(Get()).Allowed);
    }

    [Fact]
    public void Evaluate_CompiledPolicies_AllocateNothingPerRequest()
    {
        var evaluator = Compile(
            Policy("deny", "action: DENY\nrules: [{ from: [{ source: { notNamespaces: [default, prod] } }], to: [{ operation: { paths: ['/admin*'] } }] }]") + "\n---\n" +
            Policy("allow", "rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'], ipBlocks: [10.0.0.0/8, '2001:db8::/32'] } }], to: [{ operation: { methods: [GET], hosts: ['productpage:*'], ports: ['9080'] } }], when: [{ key: 'request.headers[end-user]', values: [jason] }, { key: destination.ip, values: [10.0.0.9] }] }]") + "\n---\n" +
            Policy("audit", "action: AUDIT\nrules: [{ to: [{ operation: { notPaths: ['/health*'] } }] }]"));
        var request = Get(headers: ("end-user", "jason"));
        Assert.True(evaluator.Evaluate(request).Allowed);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = 0;
        for (var i = 0; i < 1000; i++)
        {
            allowed += evaluator.Evaluate(request).Allowed ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, allowed);
    }
}
