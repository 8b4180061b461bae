using Mesh.Tests;

namespace Mesh.Configuration.Tests;

public class MeshConfigValidatorTests
{
    private const string ReviewsRuleV1V2 = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
        spec:
          host: reviews
          subsets:
          - name: v1
            labels: { version: v1 }
          - name: v2
            labels: { version: v2 }
        """;

    [Fact]
    public void Validate_BookinfoStyleConfig_NoErrors()
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - match:
              - headers:
                  end-user: { exact: jason }
              route:
              - destination: { host: reviews, subset: v2 }
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 90
              - destination: { host: reviews, subset: v2 }
                weight: 10
            """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_WeightsNotSummingTo100_AcceptedAsRelative()
    {
        // Istio 1.15+: weights are relative (90 and 20 are 82% and 18%).
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 90
              - destination: { host: reviews, subset: v2 }
                weight: 20
            """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_SeveralDestinationsAllWeightZero_ReportsSumAndEachWeight()
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 0
              - destination: { host: reviews, subset: v2 }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("VirtualService reviews (vs.yaml:1)", error.Document);
        Assert.Equal("spec.http[0].route", error.Path);
        Assert.Equal("weights sum to 0 (0 + (none)); with several destinations at least one needs a weight above 0", error.Message);
    }

    [Fact]
    public void Validate_SeveralDestinationsOneWithoutWeight_AcceptedItGetsNone()
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 90
              - destination: { host: reviews, subset: v2 }
            """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_SingleDestinationWithAnyWeight_AcceptedItTakesAllTraffic()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews }
                weight: 50
            """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_NegativeWeight_Reported()
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 110
              - destination: { host: reviews, subset: v2 }
                weight: -10
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.http[0].route[1].weight", "is -10; weights must be 0 or more"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_SubsetNotDefined_NamesHostAndListsDefinedSubsets()
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 50
              - destination: { host: reviews, subset: v4 }
                weight: 50
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("VirtualService reviews (vs.yaml:1)", error.Document);
        Assert.Equal("spec.http[0].route[1].destination.subset", error.Path);
        Assert.Equal("'v4' is not defined by any DestinationRule for host 'reviews' (it defines 'v1', 'v2'); define it or fix the name", error.Message);
    }

    [Fact]
    public void Validate_SubsetWithoutAnyDestinationRule_NamesHost()
    {
        var documents = Parse(("vs.yaml", VirtualService("ratings", "[ratings]", """
            - route:
              - destination: { host: ratings, subset: v1 }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.http[0].route[0].destination.subset", "'v1' is not defined by any DestinationRule for host 'ratings'; define it or fix the name"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("reviews", "reviews.default.svc.cluster.local")]
    [InlineData("reviews.default.svc.cluster.local", "reviews")]
    [InlineData("reviews.default", "reviews")]
    [InlineData("reviews.default.svc", "REVIEWS")]
    public void Validate_ShortHostAndFqdn_NameTheSameService(string ruleHost, string destinationHost)
    {
        var documents = Parse(
            ("dr.yaml", ReviewsRuleV1V2.Replace("host: reviews", $"host: {ruleHost}", StringComparison.Ordinal)),
            ("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
                - route:
                  - destination: { host: {{destinationHost}}, subset: v2 }
                """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_DestinationRuleInOtherNamespace_DoesNotDefineSubsetsForShortHost()
    {
        var documents = Parse(
            ("dr.yaml", ReviewsRuleV1V2.Replace("name: reviews", "name: reviews\n  namespace: staging", StringComparison.Ordinal)),
            ("vs.yaml", VirtualService("reviews", "[reviews]", """
                - route:
                  - destination: { host: reviews, subset: v1 }
                """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("'v1' is not defined by any DestinationRule for host 'reviews'; define it or fix the name", error.Message);
    }

    [Theory]
    [InlineData("uri", "spec.http[0].match[0].uri.regex")]
    [InlineData("headers: { end-user", "spec.http[0].match[0].headers.end-user.regex")]
    [InlineData("queryParams: { tier", "spec.http[0].match[0].queryParams.tier.regex")]
    public void Validate_InvalidRegex_ReportedWithPath(string field, string expectedPath)
    {
        var close = field.Contains('{', StringComparison.Ordinal) ? " }" : "";
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
            - match:
              - {{field}}: { regex: "/api/(v1" }{{close}}
              route:
              - destination: { host: reviews }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(expectedPath, error.Path);
        Assert.StartsWith("'/api/(v1' is not a valid regular expression: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Not enough )'s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidRewriteRegex_ReportedWithPath()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", """
            - rewrite:
                uriRegexRewrite: { match: "[a-", rewrite: /x }
              route:
              - destination: { host: reviews }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("spec.http[0].rewrite.uriRegexRewrite.match", error.Path);
        Assert.StartsWith("'[a-' is not a valid regular expression: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/(?=api).*")]
    [InlineData("(a)\\\\1")]
    [InlineData("(?>a+)b")]
    public void Validate_RegexTheLinearTimeMatcherCannotRun_Reported(string regex)
    {
        // The router compiles with RegexOptions.NonBacktracking (RE2-like); a regex that passed validation
        // but not compilation used to fail the snapshot with a NotSupportedException instead of a config error.
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
            - match:
              - uri: { regex: "{{regex}}" }
              route:
              - destination: { host: reviews }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("spec.http[0].match[0].uri.regex", error.Path);
        Assert.StartsWith($"'{regex.Replace("\\\\", "\\", StringComparison.Ordinal)}' is not supported: Mesh matches regexes in linear time, as RE2 does", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateSubsetNames_Reported()
    {
        var documents = Parse(("dr.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels: { version: v1 }
              - name: v2
                labels: { version: v2 }
              - name: v1
                labels: { version: v3 }
            """));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("DestinationRule reviews (dr.yaml:1)", error.Document);
        Assert.Equal("spec.subsets[2].name", error.Path);
        Assert.Equal("subset 'v1' is defined twice; subset names must be unique", error.Message);
    }

    [Fact]
    public void Validate_EmptyHosts_Reported()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[]", """
            - route:
              - destination: { host: reviews }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.hosts", "is empty; name at least one host, such as 'reviews'"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_EmptyHostEntry_Reported()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews, \"\"]", """
            - route:
              - destination: { host: reviews }
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.hosts[1]", "is empty; name a host, such as 'reviews'"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_EmptyHttpRoutes_Reported()
    {
        var documents = Parse(("vs.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews }
            spec:
              hosts: [reviews]
            """));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.http", "is empty; add at least one http route"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_DocumentDefinedTwice_NamesBothPlaces()
    {
        var documents = Parse(
            ("a.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: reviews }
                spec: { host: reviews }
                """),
            ("b.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: reviews, namespace: default }
                spec: { host: reviews.default.svc.cluster.local }
                """));

        var errors = MeshConfigValidator.Validate(documents);

        Assert.Equal(
            [
                new ConfigError("DestinationRule default/reviews (b.yaml:1)", "metadata.name", "DestinationRule default/reviews is defined twice (also DestinationRule reviews (a.yaml:1)); keep one"),
                new ConfigError("DestinationRule default/reviews (b.yaml:1)", "spec.host", "host 'reviews.default.svc.cluster.local' already has DestinationRule reviews (a.yaml:1); merge the two into one DestinationRule"),
            ],
            errors);
    }

    [Fact]
    public void Validate_SameNameInOtherNamespace_NotADuplicate()
    {
        var documents = Parse(
            ("a.yaml", VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }")),
            ("b.yaml", VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }").Replace("name: reviews }", "name: reviews, namespace: staging }", StringComparison.Ordinal)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_SameHostInTwoVirtualServices_NamesTheFirst()
    {
        var documents = Parse(
            ("a.yaml", VirtualService("reviews-a", "[reviews]", "- route:\n  - destination: { host: reviews }")),
            ("b.yaml", VirtualService("reviews-b", "[ratings, reviews.default.svc.cluster.local]", "- route:\n  - destination: { host: reviews }")));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("VirtualService reviews-b (b.yaml:1)", error.Document);
        Assert.Equal("spec.hosts[1]", error.Path);
        Assert.Equal("host 'reviews.default.svc.cluster.local' is already routed by VirtualService reviews-a (a.yaml:1); merge the routes into one VirtualService", error.Message);
    }

    [Theory]
    [InlineData("mirror: { host: reviews, subset: v2 }", "mirror")]
    public void Validate_FieldNotSupportedYet_NamedWithItsPath(string field, string name)
    {
        var documents = Parse(("dr.yaml", ReviewsRuleV1V2), ("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
            - route:
              - destination: { host: reviews, subset: v1 }
              {{field}}
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal("VirtualService reviews (vs.yaml:1)", error.Document);
        Assert.Equal($"spec.http[0].{name}", error.Path);
        Assert.Equal($"'{name}' is not supported by Mesh yet; remove it (it would be ignored otherwise)", error.Message);
    }

    [Fact]
    public void Validate_WildcardHost_Reported()
    {
        var documents = Parse(("vs.yaml", VirtualService("all", "[\"*.example.com\"]", "- route:\n  - destination: { host: reviews }")));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.hosts[0]", "wildcard host '*.example.com' is not supported by Mesh yet; name each host"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("v1.0")]
    [InlineData("v1_x")]
    [InlineData("-v1")]
    public void Validate_SubsetNameNotADnsLabel_Refused(string name)
    {
        var documents = Parse(("dr.yaml", $"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{ name: reviews }}\nspec:\n  host: reviews\n  subsets:\n  - name: '{name}'\n    labels: {{ version: v1 }}\n"));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.subsets[0].name", $"'{name}' is not a valid subset name; use a DNS-1123 label of at most 63 letters, digits and '-' (Istio's rule), such as 'v1'"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_HostListedTwiceInOneVirtualService_Refused()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews, reviews.default]", "- route:\n  - destination: { host: reviews }")));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.hosts[1]", "host 'reviews.default' is listed twice in this VirtualService; list it once"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("[reviews_svc]", "spec.hosts[0]")]
    [InlineData("[\"bad host!\"]", "spec.hosts[0]")]
    [InlineData("[reviews.123]", "spec.hosts[0]")]
    public void Validate_HostNotADnsName_Refused(string hosts, string path)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", hosts, "- route:\n  - destination: { host: reviews }")));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(path, error.Path);
        Assert.Contains("is not a host name; use DNS labels", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[reviews.default.svc.cluster.local]")]
    [InlineData("[10.0.0.1]")]
    [InlineData("[Reviews]")]
    public void Validate_HostNamesIstioAccepts_Accepted(string hosts)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", hosts, "- route:\n  - destination: { host: reviews }")));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Theory]
    [InlineData("[\"*\", default]", "spec.exportTo", "'*' exports everywhere, so it stands alone; remove the other entries")]
    [InlineData("[\"~\"]", "spec.exportTo[0]", "'~' (visible nowhere) is not allowed here, as in Istio; delete the document instead")]
    [InlineData("[Bad_NS]", "spec.exportTo[0]", "'Bad_NS' is not a namespace name; use '.', '*' or a namespace such as 'default'")]
    [InlineData("[\".\", \".\"]", "spec.exportTo[1]", "'.' is listed twice; list it once")]
    public void Validate_BadExportTo_Refused(string exportTo, string path, string message)
    {
        var documents = Parse(("dr.yaml", $"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{ name: reviews }}\nspec:\n  host: reviews\n  exportTo: {exportTo}\n"));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal((path, message), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("sourceLabels: { \"bad key!\": v1 }", "spec.http[0].match[0].sourceLabels.bad key!", "'bad key!' is not a label key")]
    [InlineData("sourceLabels: { version: \"v@1\" }", "spec.http[0].match[0].sourceLabels.version", "'v@1' is not a label value")]
    [InlineData("sourceNamespace: Bad_NS", "spec.http[0].match[0].sourceNamespace", "'Bad_NS' is not a namespace name")]
    [InlineData("gateways: [\"bad_gw!\"]", "spec.http[0].match[0].gateways[0]", "'bad_gw!' is not a gateway name")]
    [InlineData("headers: { \"x(a)/b\": { exact: \"1\" } }", "spec.http[0].match[0].headers", "'x(a)/b' is not a valid header name; use RFC 7230 token characters")]
    [InlineData("headers: { \":path\": { prefix: /a } }", "spec.http[0].match[0].headers", "pseudo-header ':path' is not supported by Mesh yet; match uri, method or authority instead")]
    public void Validate_MatchNamesIstioRefuses_Refused(string condition, string path, string message)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $"- match: [{{ {condition} }}]\n  route:\n  - destination: {{ host: reviews }}")));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sourceLabels: { app.kubernetes.io/name: productpage, version: v1 }")]
    [InlineData("gateways: [mesh, istio-system/bookinfo-gateway]")]
    [InlineData("sourceNamespace: bookinfo")]
    public void Validate_MatchNamesIstioAccepts_Accepted(string condition)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $"- match: [{{ {condition} }}]\n  route:\n  - destination: {{ host: reviews }}")));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_EmptyTrafficPolicy_Refused()
    {
        var documents = Parse(("dr.yaml", "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews }\nspec:\n  host: reviews\n  trafficPolicy: {}\n"));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal(("spec.trafficPolicy", "is empty; set loadBalancer, connectionPool, outlierDetection, tls or portLevelSettings, or remove it"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("maxConnections: 0", "tcp")]
    [InlineData("http2MaxRequests: 0", "http")]
    [InlineData("maxRequestsPerConnection: 0", "http")]
    public void Validate_ConnectionPoolCountZero_AcceptedAsNoLimit(string field, string group)
    {
        var documents = Parse(("dr.yaml", $"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{ name: reviews }}\nspec:\n  host: reviews\n  trafficPolicy:\n    connectionPool: {{ {group}: {{ {field} }} }}\n"));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_GatewaysWithMesh_Accepted()
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }")
            .Replace("  hosts:", "  gateways: [mesh, bookinfo-gateway]\n  hosts:", StringComparison.Ordinal)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_BoundToGatewaysOnly_NotValidatedAsMeshRoutes()
    {
        // Istio's bookinfo-gateway VirtualService: hosts "*" would be refused for mesh routes; it routes none.
        var documents = Parse(("vs.yaml", VirtualService("bookinfo", "[\"*\"]", "- route:\n  - destination: { host: productpage }")
            .Replace("  hosts:", "  gateways: [bookinfo-gateway]\n  hosts:", StringComparison.Ordinal)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Theory]
    [InlineData("simple: FASTEST", "spec.trafficPolicy.loadBalancer.simple", "'FASTEST' is not a load balancer; use ROUND_ROBIN, LEAST_REQUEST or RANDOM")]
    [InlineData("simple: PASSTHROUGH", "spec.trafficPolicy.loadBalancer.simple", "PASSTHROUGH is not supported by Mesh; use ROUND_ROBIN, LEAST_REQUEST or RANDOM")]
    [InlineData("simple: RANDOM, consistentHash: { httpHeaderName: x-user }", "spec.trafficPolicy.loadBalancer", "set either simple or consistentHash, not both")]
    [InlineData("consistentHash: { httpHeaderName: x-user, useSourceIp: true }", "spec.trafficPolicy.loadBalancer.consistentHash", "sets 2 hash keys; set exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName")]
    [InlineData("consistentHash: { httpHeaderName: x-user, ringHash: { minimumRingSize: 0 } }", "spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize", "0 is out of range; use 1 to 8388608")]
    public void Validate_BadLoadBalancer_Reported(string loadBalancer, string expectedPath, string expectedMessage)
    {
        var documents = Parse(("dr.yaml", $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: { {{loadBalancer}} }
            """));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal((expectedPath, expectedMessage), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("retries: { attempts: 2, retryOn: '5xx,bogus' }", "spec.http[0].retries.retryOn", "'bogus' is not a retry condition Mesh knows; use 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or an HTTP status such as 503")]
    [InlineData("retries: { attempts: 2, retryOn: '5XX' }", "spec.http[0].retries.retryOn", "'5XX' is not a retry condition Mesh knows; use 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or an HTTP status such as 503")]
    [InlineData("retries: { attempts: 2, retryOn: '700' }", "spec.http[0].retries.retryOn", "'700' is not a retry condition Mesh knows; use 5xx, gateway-error, reset, connect-failure, refused-stream, retriable-4xx, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable or an HTTP status such as 503")]
    [InlineData("retries: { attempts: -1 }", "spec.http[0].retries.attempts", "is -1; use 0 (no retries) or more")]
    [InlineData("retries: { attempts: 2, perTryTimeout: 0s }", "spec.http[0].retries.perTryTimeout", "must be more than 0, such as '2s'")]
    [InlineData("fault: { abort: { percentage: { value: 100 } } }", "spec.http[0].fault.abort.httpStatus", "is required: the status to return, such as 500 (or grpcStatus, such as UNAVAILABLE)")]
    [InlineData("fault: { abort: { percentage: { value: 100 }, httpStatus: 600 } }", "spec.http[0].fault.abort.httpStatus", "is 600; use an HTTP status from 200 to 599")]
    [InlineData("fault: { abort: { percentage: { value: 100 }, httpStatus: 199 } }", "spec.http[0].fault.abort.httpStatus", "is 199; use an HTTP status from 200 to 599")]
    [InlineData("fault: { delay: { percentage: { value: 100 } } }", "spec.http[0].fault.delay.fixedDelay", "is required, 1ms or more: the delay to inject, such as '7s'")]
    [InlineData("fault: { delay: { fixedDelay: 0s, percentage: { value: 100 } } }", "spec.http[0].fault.delay.fixedDelay", "is required, 1ms or more: the delay to inject, such as '7s'")]
    [InlineData("timeout: 0s", "spec.http[0].timeout", "is 0; use a duration of 1ms or more, such as '3s', or leave timeout out for none")]
    [InlineData("retries: { retryOn: 5xx }", "spec.http[0].retries.attempts", "is 0 (or left out) while perTryTimeout, retryOn or retryRemoteLocalities is set; set attempts, or remove the others")]
    [InlineData("retries: { attempts: 0, perTryTimeout: 1s }", "spec.http[0].retries.attempts", "is 0 (or left out) while perTryTimeout, retryOn or retryRemoteLocalities is set; set attempts, or remove the others")]
    [InlineData("fault: {}", "spec.http[0].fault", "sets neither delay nor abort; set one or remove fault")]
    [InlineData("fault: { delay: { percent: 150, fixedDelay: 1s } }", "spec.http[0].fault.delay.percentage", "is 150; use 0 to 100")]
    [InlineData("fault: { delay: { percent: -5, fixedDelay: 1s } }", "spec.http[0].fault.delay.percentage", "is -5; use 0 to 100")]
    public void Validate_BadResilienceField_ReportedWithPathAndFix(string field, string expectedPath, string expectedMessage)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
            - route:
              - destination: { host: reviews }
              {{field}}
            """)));

        var error = Assert.Single(MeshConfigValidator.Validate(documents));

        Assert.Equal((expectedPath, expectedMessage), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("timeout: 2s\n  retries: { attempts: 3, perTryTimeout: 500ms, retryOn: 'gateway-error,connect-failure,refused-stream,503', retryRemoteLocalities: true }")]
    [InlineData("retries: { attempts: 0 }")]
    [InlineData("fault: { delay: { percentage: { value: 0.1 }, fixedDelay: 7s }, abort: { percentage: { value: 100 }, httpStatus: 500 } }")]
    [InlineData("fault: { delay: { percent: 50, fixedDelay: 1ms } }")]
    public void Validate_GoodResilienceFields_NoErrors(string field)
    {
        var documents = Parse(("vs.yaml", VirtualService("reviews", "[reviews]", $$"""
            - route:
              - destination: { host: reviews }
              {{field}}
            """)));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Theory]
    [InlineData("delay: { percentage: { value: 100.5 }, fixedDelay: 1s }", "spec.http[0].fault.delay.percentage.value", "must be between 0 and 100, not 100.5")]
    [InlineData("abort: { percentage: { value: -1 }, httpStatus: 500 }", "spec.http[0].fault.abort.percentage.value", "must be between 0 and 100, not -1")]
    public void Parse_FaultPercentageOutOfRange_Reported(string fault, string expectedPath, string expectedMessage)
    {
        // Istio's Percent is checked where it is read: the parser reports it, with its line.
        var result = MeshDocumentParser.Parse(VirtualService("reviews", "[reviews]", $"- route:\n  - destination: {{ host: reviews }}\n  fault: {{ {fault} }}"), "vs.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(expectedPath, error.Path);
        Assert.StartsWith(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connectionPool: { tcp: { maxConnections: -1 } }", "connectionPool.tcp.maxConnections", "is -1; use 0 or more (0, or leaving it out, is no limit)")]
    [InlineData("connectionPool: {}", "connectionPool", "is empty; set tcp or http, or remove it")]
    [InlineData("connectionPool: { tcp: { connectTimeout: 0s } }", "connectionPool.tcp.connectTimeout", "must be more than 0, such as '1s'")]
    [InlineData("connectionPool: { http: { http1MaxPendingRequests: -1 } }", "connectionPool.http.http1MaxPendingRequests", "is -1; use 0 or more (0, or leaving it out, is no limit)")]
    [InlineData("connectionPool: { http: { http2MaxRequests: -5 } }", "connectionPool.http.http2MaxRequests", "is -5; use 0 or more (0, or leaving it out, is no limit)")]
    [InlineData("loadBalancer: { consistentHash: { httpCookie: { name: '' } } }", "loadBalancer.consistentHash.httpCookie.name", "is empty; name the cookie to hash on, such as 'session'")]
    [InlineData("connectionPool: { http: { idleTimeout: 0s } }", "connectionPool.http.idleTimeout", "must be more than 0, such as '1s'")]
    [InlineData("connectionPool: { http: { maxRetries: -1 } }", "connectionPool.http.maxRetries", "is -1; use 0 or more")]
    [InlineData("outlierDetection: { consecutive5xxErrors: -1 }", "outlierDetection.consecutive5xxErrors", "is -1; use 0 (off) or more")]
    [InlineData("outlierDetection: { consecutiveGatewayErrors: -2 }", "outlierDetection.consecutiveGatewayErrors", "is -2; use 0 (off) or more")]
    [InlineData("outlierDetection: { interval: 0s }", "outlierDetection.interval", "must be more than 0, such as '1s'")]
    [InlineData("outlierDetection: { baseEjectionTime: 0s }", "outlierDetection.baseEjectionTime", "must be more than 0, such as '1s'")]
    [InlineData("outlierDetection: { maxEjectionPercent: 101 }", "outlierDetection.maxEjectionPercent", "is 101; use 0 to 100")]
    [InlineData("outlierDetection: { maxEjectionPercent: -1 }", "outlierDetection.maxEjectionPercent", "is -1; use 0 to 100")]
    [InlineData("outlierDetection: { minHealthPercent: 120 }", "outlierDetection.minHealthPercent", "is 120; use 0 to 100")]
    public void Validate_BadTrafficPolicyField_ReportedForTheRuleAndTheSubset(string policy, string expectedPath, string expectedMessage)
    {
        var documents = Parse(("dr.yaml", $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy: { {{policy}} }
              subsets:
              - name: v1
                labels: { version: v1 }
                trafficPolicy: { {{policy}} }
            """));

        var errors = MeshConfigValidator.Validate(documents);

        Assert.Equal(
            [
                ("spec.trafficPolicy." + expectedPath, expectedMessage),
                ("spec.subsets[0].trafficPolicy." + expectedPath, expectedMessage),
            ],
            errors.Select(e => (e.Path, e.Message)));
    }

    [Fact]
    public void Validate_FaultPercentageOutOfRangeInCode_Reported()
    {
        // Documents built in code skip the parser's range check of percentage.value; the validator still catches them.
        var service = new VirtualService
        {
            ApiVersion = "networking.istio.io/v1",
            Metadata = new ObjectMetadata { Name = "ratings" },
            Spec = new VirtualServiceSpec
            {
                Hosts = ["ratings"],
                Http =
                [
                    new HttpRoute
                    {
                        Route = [new HttpRouteDestination { Destination = new Destination { Host = "ratings" } }],
                        Fault = new HttpFaultInjection { Abort = new FaultAbort { Percentage = 100.5, HttpStatus = 500 } },
                    },
                ],
            },
        };

        var error = Assert.Single(MeshConfigValidator.Validate([service]));

        Assert.Equal(("spec.http[0].fault.abort.percentage", "is 100.5; use 0 to 100"), (error.Path, error.Message));
    }

    [Fact]
    public void Validate_GoodTrafficPolicy_NoErrors()
    {
        var documents = Parse(("dr.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                connectionPool:
                  tcp: { maxConnections: 100, connectTimeout: 30ms }
                  http: { http1MaxPendingRequests: 1, http2MaxRequests: 1000, maxRequestsPerConnection: 10, maxRetries: 0, idleTimeout: 1h }
                outlierDetection:
                  consecutive5xxErrors: 0
                  consecutiveGatewayErrors: 7
                  interval: 5m
                  baseEjectionTime: 15m
                  maxEjectionPercent: 100
                  minHealthPercent: 0
            """));

        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Validate_SeveralErrors_AllReportedAtOnce()
    {
        var documents = Parse(
            ("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: reviews }
                spec:
                  host: reviews
                  subsets:
                  - name: v1
                    labels: { version: v1 }
                  - name: v1
                    labels: { version: v2 }
                """),
            ("vs.yaml", VirtualService("reviews", "[reviews]", """
                - match:
                  - uri: { regex: "(" }
                  route:
                  - destination: { host: reviews, subset: v1 }
                    weight: 0
                  - destination: { host: reviews, subset: v3 }
                    weight: 0
                  retries: { attempts: -1 }
                """)),
            ("empty.yaml", VirtualService("empty", "[]", "- route:\n  - destination: { host: details }")));

        var errors = MeshConfigValidator.Validate(documents);

        Assert.Equal(
            [
                ("DestinationRule reviews (dr.yaml:1)", "spec.subsets[1].name"),
                ("VirtualService reviews (vs.yaml:1)", "spec.http[0].match[0].uri.regex"),
                ("VirtualService reviews (vs.yaml:1)", "spec.http[0].route[1].destination.subset"),
                ("VirtualService reviews (vs.yaml:1)", "spec.http[0].route"),
                ("VirtualService reviews (vs.yaml:1)", "spec.http[0].retries.attempts"),
                ("VirtualService empty (empty.yaml:1)", "spec.hosts"),
            ],
            errors.Select(e => (e.Document, e.Path)));
    }

    [Fact]
    public void Validate_CustomDefaultNamespace_ResolvesShortHostsThere()
    {
        var documents = Parse(
            ("dr.yaml", ReviewsRuleV1V2.Replace("host: reviews", "host: reviews.bookinfo.svc.cluster.local", StringComparison.Ordinal)),
            ("vs.yaml", VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v1 }")));

        Assert.Single(MeshConfigValidator.Validate(documents));
        Assert.Empty(MeshConfigValidator.Validate(documents, defaultNamespace: "bookinfo"));
    }

    public static TheoryData<string, string[]> BookinfoVirtualServices() => new()
    {
        { "virtual-service-all-v1.yaml", [] },
        { "virtual-service-reviews-50-v3.yaml", [] },
        { "virtual-service-reviews-80-20.yaml", [] },
        { "virtual-service-reviews-90-10.yaml", [] },
        { "virtual-service-reviews-jason-v2-v3.yaml", [] },
        { "virtual-service-reviews-test-v2.yaml", [] },
        { "virtual-service-reviews-v3.yaml", [] },
        { "virtual-service-ratings-test-abort.yaml", [] },
        { "virtual-service-ratings-test-delay.yaml", [] },
        { "virtual-service-reviews-timeout.yaml", [] },
    };

    [Theory]
    [MemberData(nameof(BookinfoVirtualServices))]
    public void Validate_BookinfoSampleWithItsDestinationRules_OnlyUnsupportedFieldsReported(string fileName, string[] expected)
    {
        var rules = ReadSample("destination-rule-all.yaml");
        var services = ReadSample(fileName);

        var errors = MeshConfigValidator.Validate([.. rules, .. services]);

        // The source (file path and line) is left out to keep the expectations readable.
        Assert.Equal(expected, errors.Select(e => $"{e.Document[..e.Document.IndexOf(" (", StringComparison.Ordinal)]}: {e.Path}: {e.Message}"));
    }

    private static IReadOnlyList<MeshDocument> ReadSample(string fileName)
    {
        var file = Path.Combine(RepoPaths.BookinfoNetworking, fileName);
        var result = MeshDocumentParser.Parse(File.ReadAllText(file), file);
        Assert.Empty(result.Errors);
        return result.Documents;
    }

    private static List<MeshDocument> Parse(params (string Source, string Yaml)[] files)
    {
        var documents = new List<MeshDocument>();
        foreach (var (source, yaml) in files)
        {
            var result = MeshDocumentParser.Parse(yaml, source);
            Assert.Empty(result.Errors);
            documents.AddRange(result.Documents);
        }

        return documents;
    }

    private static string VirtualService(string name, string hosts, string http) => TestMesh.VirtualService(name, hosts, http);
}
