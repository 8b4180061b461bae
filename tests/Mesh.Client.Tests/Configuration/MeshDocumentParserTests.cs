using Mesh.Tests;

namespace Mesh.Configuration.Tests;

public class MeshDocumentParserTests
{
    private const string ReviewsVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: bookinfo
          labels:
            team: books
        spec:
          hosts:
          - reviews
          http:
          - name: jason
            match:
            - uri:
                prefix: /api/
              ignoreUriCase: true
              method:
                exact: GET
              headers:
                end-user:
                  exact: jason
                x-canary: {}
              withoutHeaders:
                x-debug:
                  regex: "1|true"
              queryParams:
                tier:
                  exact: gold
              port: 9080
              sourceLabels:
                app: productpage
            route:
            - destination:
                host: reviews
                subset: v2
                port:
                  number: 9080
              weight: 90
              headers:
                request:
                  set:
                    x-subset: v2
            - destination:
                host: reviews
                subset: v3
              weight: 10
            rewrite:
              uri: /v2/
            headers:
              request:
                set:
                  x-route: jason
                add:
                  x-trace: "1"
                remove:
                - x-internal
              response:
                remove:
                - server
          - route:
            - destination:
                host: reviews
                subset: v1
        """;

    [Fact]
    public void Parse_VirtualServiceYaml_ReadsEveryField()
    {
        var result = MeshDocumentParser.Parse(ReviewsVirtualService, "reviews.yaml");

        Assert.Empty(result.Errors);
        var vs = Assert.IsType<VirtualService>(Assert.Single(result.Documents));
        Assert.Equal("networking.istio.io/v1", vs.ApiVersion);
        Assert.Equal("reviews", vs.Metadata.Name);
        Assert.Equal("bookinfo", vs.Metadata.Namespace);
        Assert.Equal("books", vs.Metadata.Labels["team"]);
        Assert.Equal(new DocumentSource("reviews.yaml", 1), vs.Source);
        Assert.Equal("VirtualService bookinfo/reviews (reviews.yaml:1)", vs.DisplayName);
        Assert.Equal(["reviews"], vs.Spec.Hosts);
        Assert.Equal(2, vs.Spec.Http.Count);

        var jason = vs.Spec.Http[0];
        Assert.Equal("jason", jason.Name);
        var match = Assert.Single(jason.Match);
        Assert.Equal("/api/", match.Uri?.Prefix);
        Assert.True(match.IgnoreUriCase);
        Assert.Equal("GET", match.Method?.Exact);
        Assert.Equal("jason", match.Headers["end-user"].Exact);
        Assert.Equal("jason", match.Headers["End-User"].Exact); // header names are case-insensitive
        Assert.True(match.Headers["x-canary"].IsEmpty);
        Assert.Equal("1|true", match.WithoutHeaders["x-debug"].Regex);
        Assert.Equal("gold", match.QueryParams["tier"].Exact);
        Assert.Equal(9080, match.Port);
        Assert.Equal("productpage", match.SourceLabels["app"]);

        Assert.Equal(2, jason.Route.Count);
        Assert.Equal(new Destination { Host = "reviews", Subset = "v2", Port = 9080 }, jason.Route[0].Destination);
        Assert.Equal(90, jason.Route[0].Weight);
        Assert.Equal("v2", jason.Route[0].Headers?.Request?.Set["x-subset"]);
        Assert.Equal(new Destination { Host = "reviews", Subset = "v3" }, jason.Route[1].Destination);
        Assert.Equal(10, jason.Route[1].Weight);
        Assert.Equal("/v2/", jason.Rewrite?.Uri);
        Assert.Equal("jason", jason.Headers?.Request?.Set["x-route"]);
        Assert.Equal("1", jason.Headers?.Request?.Add["x-trace"]);
        Assert.Equal(["x-internal"], jason.Headers?.Request?.Remove);
        Assert.Equal(["server"], jason.Headers?.Response?.Remove);

        var fallback = vs.Spec.Http[1];
        Assert.Empty(fallback.Match);
        Assert.Null(Assert.Single(fallback.Route).Weight);
        Assert.Equal("v1", fallback.Route[0].Destination.Subset);
    }

    [Fact]
    public void Parse_DestinationRuleYaml_ReadsSubsetsAndPolicies()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews.default.svc.cluster.local
              exportTo:
              - "."
              trafficPolicy:
                loadBalancer:
                  simple: LEAST_REQUEST
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
                  track: stable
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpCookie:
                        name: session
                        path: /
                        ttl: 1h
                      ringHash:
                        minimumRingSize: 2048
            """;

        var result = MeshDocumentParser.Parse(yaml, "dr.yaml");

        Assert.Empty(result.Errors);
        var dr = Assert.IsType<DestinationRule>(Assert.Single(result.Documents));
        Assert.Equal("reviews.default.svc.cluster.local", dr.Spec.Host);
        Assert.Null(dr.Metadata.Namespace);
        Assert.Equal(["."], dr.Spec.ExportTo);
        Assert.Equal("LEAST_REQUEST", dr.Spec.TrafficPolicy?.LoadBalancer?.Simple);
        Assert.Equal(2, dr.Spec.Subsets.Count);
        Assert.Equal("v1", dr.Spec.Subsets[0].Name);
        Assert.Equal(new Dictionary<string, string> { ["version"] = "v1" }, dr.Spec.Subsets[0].Labels);
        Assert.Null(dr.Spec.Subsets[0].TrafficPolicy);
        Assert.Equal(new Dictionary<string, string> { ["version"] = "v2", ["track"] = "stable" }, dr.Spec.Subsets[1].Labels);
        var hash = dr.Spec.Subsets[1].TrafficPolicy?.LoadBalancer?.ConsistentHash;
        Assert.NotNull(hash);
        Assert.Equal(new HttpCookie { Name = "session", Path = "/", Ttl = TimeSpan.FromHours(1) }, hash.HttpCookie);
        Assert.Equal(2048, hash.MinimumRingSize);
        Assert.Null(hash.HttpHeaderName);
        Assert.False(hash.UseSourceIp);
    }

    [Fact]
    public void Parse_VirtualServiceJson_ReadsEveryField()
    {
        const string json = """
            {
              "apiVersion": "networking.istio.io/v1beta1",
              "kind": "VirtualService",
              "metadata": { "name": "reviews", "namespace": "default" },
              "spec": {
                "hosts": ["reviews"],
                "http": [
                  {
                    "match": [ { "headers": { "end-user": { "exact": "jason" } }, "ignoreUriCase": true, "port": 9080 } ],
                    "route": [
                      { "destination": { "host": "reviews", "subset": "v2", "port": { "number": 9080 } }, "weight": 75 },
                      { "destination": { "host": "reviews", "subset": "v3" }, "weight": 25 }
                    ],
                    "timeout": "1.5s"
                  }
                ]
              }
            }
            """;

        var result = MeshDocumentParser.Parse(json, "reviews.json");

        Assert.Empty(result.Errors);
        var vs = Assert.IsType<VirtualService>(Assert.Single(result.Documents));
        Assert.Equal("networking.istio.io/v1beta1", vs.ApiVersion);
        Assert.Equal("default", vs.Metadata.Namespace);
        var route = Assert.Single(vs.Spec.Http);
        var match = Assert.Single(route.Match);
        Assert.Equal("jason", match.Headers["end-user"].Exact);
        Assert.True(match.IgnoreUriCase);
        Assert.Equal(9080, match.Port);
        Assert.Equal(new Destination { Host = "reviews", Subset = "v2", Port = 9080 }, route.Route[0].Destination);
        Assert.Equal([75, 25], route.Route.Select(d => d.Weight ?? -1));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), route.Timeout);
    }

    [Fact]
    public void Parse_DestinationRuleJson_ReadsSubsetsAndPolicies()
    {
        const string json = """
            {"apiVersion":"networking.istio.io/v1alpha3","kind":"DestinationRule","metadata":{"name":"ratings"},
             "spec":{"host":"ratings","trafficPolicy":{"loadBalancer":{"consistentHash":{"httpHeaderName":"x-user"}}},
                     "subsets":[{"name":"v1","labels":{"version":"v1"},"trafficPolicy":{"loadBalancer":{"simple":"RANDOM"}}}]}}
            """;

        var result = MeshDocumentParser.Parse(json, "ratings.json");

        Assert.Empty(result.Errors);
        var dr = Assert.IsType<DestinationRule>(Assert.Single(result.Documents));
        Assert.Equal("ratings", dr.Spec.Host);
        Assert.Equal("x-user", dr.Spec.TrafficPolicy?.LoadBalancer?.ConsistentHash?.HttpHeaderName);
        var subset = Assert.Single(dr.Spec.Subsets);
        Assert.Equal("v1", subset.Labels["version"]);
        Assert.Equal("RANDOM", subset.TrafficPolicy?.LoadBalancer?.Simple);
    }

    [Fact]
    public void Parse_SeveralDocuments_ReturnsEachWithTheLineItStartsOn()
    {
        var yaml = """
            # Bookinfo reviews
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination:
                    host: reviews
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: ratings
            spec:
              host: ratings
            ---
            """;

        var result = MeshDocumentParser.Parse(yaml, "all.yaml");

        Assert.Empty(result.Errors);
        Assert.Collection(
            result.Documents,
            d => Assert.Equal(("DestinationRule", "reviews", 2), (d.Kind, d.Metadata.Name, d.Source!.Line)),
            d => Assert.Equal(("VirtualService", "reviews", 9), (d.Kind, d.Metadata.Name, d.Source!.Line)),
            d => Assert.Equal(("DestinationRule", "ratings", 20), (d.Kind, d.Metadata.Name, d.Source!.Line)));
        Assert.All(result.Documents, d => Assert.Equal("all.yaml", d.Source!.Name));
    }

    [Fact]
    public void Parse_ErrorInOneDocument_KeepsTheOthersAndNamesTheBadOne()
    {
        var yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: ratings
            spec:
              host: ratings
              hostt: ratings
            """;

        var result = MeshDocumentParser.Parse(yaml, "rules.yaml");

        Assert.Equal("reviews", Assert.Single(result.Documents).Metadata.Name);
        var error = Assert.Single(result.Errors);
        Assert.Equal("DestinationRule ratings (rules.yaml:8)", error.Document);
        Assert.Equal("spec.hostt", error.Path);
    }

    [Theory]
    [InlineData("networking.istio.io/v1alpha3")]
    [InlineData("networking.istio.io/v1beta1")]
    [InlineData("networking.istio.io/v1")]
    public void Parse_NetworkingApiVersion_Accepted(string apiVersion)
    {
        var text = $$"""
            apiVersion: {{apiVersion}}
            kind: DestinationRule
            metadata: { name: reviews }
            spec: { host: reviews }
            ---
            apiVersion: {{apiVersion}}
            kind: VirtualService
            metadata: { name: reviews }
            spec:
              hosts: [reviews]
              http: [ { route: [ { destination: { host: reviews } } ] } ]
            """;

        var result = MeshDocumentParser.Parse(text, "test.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal([apiVersion, apiVersion], result.Documents.Select(d => d.ApiVersion));
    }

    [Theory]
    [InlineData("networking.example.io/v1")]
    [InlineData("security.istio.io/v1")]
    [InlineData("networking.istio.io/v2")]
    [InlineData("networking.istio.io")]
    [InlineData("v1")]
    public void Parse_WrongApiVersion_Rejected(string apiVersion)
    {
        var text = $$"""
            apiVersion: {{apiVersion}}
            kind: VirtualService
            metadata: { name: reviews }
            spec:
              hosts: [reviews]
              http: [ { route: [ { destination: { host: reviews } } ] } ]
            """;

        var result = MeshDocumentParser.Parse(text, "test.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("VirtualService reviews (test.yaml:1)", error.Document);
        Assert.Equal("apiVersion", error.Path);
        Assert.Equal($"'{apiVersion}' is not an apiVersion of VirtualService; use networking.istio.io/v1, v1beta1 or v1alpha3", error.Message);
    }

    [Fact]
    public void Parse_UnknownField_ReportedWithItsPathAndLine()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - rout:
                - destination:
                    host: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "reviews.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("VirtualService reviews (reviews.yaml:1)", error.Document);
        Assert.Equal("spec.http[0].rout", error.Path);
        Assert.Equal("unknown field 'rout'; check the spelling against Istio's API reference (line 9)", error.Message);
        Assert.Equal("VirtualService reviews (reviews.yaml:1): spec.http[0].rout: unknown field 'rout'; check the spelling against Istio's API reference (line 9)", error.ToString());
    }

    [Fact]
    public void Parse_UnknownFieldsAtSeveralDepths_EachReported()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
              labelz: {}
            spec:
              host: reviews
              subsets:
              - name: v1
                label:
                  version: v1
            extra: 1
            """;

        var result = MeshDocumentParser.Parse(yaml, "dr.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(
            ["metadata.labelz", "spec.subsets[0].label", "extra"],
            result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_TcpRoutes_ReportedAsNotSupportedByName()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: mongo
            spec:
              hosts:
              - mongo
              tcp:
              - route:
                - destination:
                    host: mongo
            """;

        var result = MeshDocumentParser.Parse(yaml, "mongo.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.tcp", error.Path);
        Assert.Equal("field 'tcp' is not supported by Mesh (only http routes are); remove it (line 8)", error.Message);
    }

    [Fact]
    public void Parse_TlsCredentialNameAndPortLevelLoadBalancer_ReportedAsNotSupportedByName()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              trafficPolicy:
                tls:
                  mode: MUTUAL
                  credentialName: reviews-secret
              subsets:
              - name: v1
                labels:
                  version: v1
                trafficPolicy:
                  portLevelSettings:
                  - port: { number: 9080 }
                    loadBalancer: { simple: RANDOM }
            """;

        var result = MeshDocumentParser.Parse(yaml, "reviews.yaml");

        Assert.Empty(result.Documents);
        Assert.Collection(
            result.Errors,
            e => Assert.Equal(("spec.trafficPolicy.tls.credentialName", "field 'credentialName' is not supported by Mesh (credentials come from files or the mesh's certificate source, not Kubernetes secrets); remove it (line 10)"), (e.Path, e.Message)),
            e => Assert.Equal(("spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer", "field 'loadBalancer' is not supported by Mesh yet at port level (only tls is); remove it (line 18)"), (e.Path, e.Message)));
    }

    [Fact]
    public void Parse_KeepJson_OnlyWhenAsked()
    {
        // A service reads documents only; meshctl also stores and prints them as JSON.
        var yaml = TestMesh.ReviewsRule;

        Assert.Empty(MeshDocumentParser.Parse(yaml, "dr.yaml").Json);
        Assert.Equal("reviews", MeshDocumentParser.Parse(yaml, "dr.yaml", keepJson: true).Json.Single()["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_UnclosedBracketThenMoreKeys_SaysWhereReadingStopped()
    {
        // A user's typo: YamlDotNet fails without a position ("Operation is not valid due to the current state of the object").
        const string yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: reviews }\nspec:\n  hosts: [reviews\n  http:\n  - route:\n    - destination: { host: reviews }\n";

        var error = Assert.Single(MeshDocumentParser.Parse(yaml, "vs.yaml").Errors);

        Assert.Equal("vs.yaml", error.Document);
        Assert.Matches(@"reading stopped after line [45] \(an unclosed '\[', '\{' or quote before it\?\)$", error.Message);
        Assert.DoesNotContain("Operation is not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TabAsIndentation_SaysWhereReadingStopped()
    {
        const string yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts: [reviews]\n\thttp: []\n";

        var error = Assert.Single(MeshDocumentParser.Parse(yaml, "vs.yaml").Errors);

        Assert.Contains("tab", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Matches(@"line [67]", error.Message);
    }

    [Theory]
    [InlineData("VirtualService", "http:\n  - retries: { attempts: 2, backoff: 25ms }\n    route:\n    - destination: { host: reviews }", "spec.http[0].retries.backoff", "backoff")]
    [InlineData("VirtualService", "http:\n  - retries: { attempts: 2, retryIgnorePreviousHosts: false }\n    route:\n    - destination: { host: reviews }", "spec.http[0].retries.retryIgnorePreviousHosts", "retryIgnorePreviousHosts")]
    [InlineData("VirtualService", "http:\n  - match: [{ statPrefix: x, uri: { prefix: / } }]\n    route:\n    - destination: { host: reviews }", "spec.http[0].match[0].statPrefix", "statPrefix")]
    [InlineData("DestinationRule", "trafficPolicy:\n    retryBudget: { percent: 20 }", "spec.trafficPolicy.retryBudget", "retryBudget")]
    public void Parse_IstioFieldMeshDoesNotImplement_NotSupportedNotUnknown(string kind, string spec, string path, string field)
    {
        var yaml = $"apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata: {{ name: reviews }}\nspec:\n  {(kind == "VirtualService" ? "hosts: [reviews]" : "host: reviews")}\n  {spec}\n";

        var error = Assert.Single(MeshDocumentParser.Parse(yaml, "reviews.yaml").Errors);

        Assert.Equal(path, error.Path);
        Assert.StartsWith($"field '{field}' is not supported by Mesh yet; remove it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5s", 500)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2s", 2_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h0m1s", 3_601_000)]
    [InlineData("250000us", 250)]
    public void Parse_Timeout_ReadsDuration(string text, int expectedMilliseconds)
    {
        var result = MeshDocumentParser.Parse(VirtualServiceWithTimeout(text), "test.yaml");

        Assert.Empty(result.Errors);
        var vs = Assert.IsType<VirtualService>(Assert.Single(result.Documents));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), vs.Spec.Http[0].Timeout);
    }

    [Theory]
    [InlineData("5 seconds")]
    [InlineData("5")]
    [InlineData("1x")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("1.2.3s")]
    public void Parse_TimeoutNotADuration_ReportsFieldAndValue(string text)
    {
        var result = MeshDocumentParser.Parse(VirtualServiceWithTimeout(text), "test.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.http[0].timeout", error.Path);
        Assert.Equal($"must be a duration such as '1.5s' or '500ms', not '{text}' (line 10)", error.Message);
    }

    [Fact]
    public void Parse_MalformedYaml_ReportsTheLine()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
               http:
              - route: []
            """;

        var result = MeshDocumentParser.Parse(yaml, "broken.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("broken.yaml", error.Document);
        Assert.Equal("", error.Path);
        Assert.StartsWith("is not valid YAML or JSON at line 8, column ", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("broken.yaml: is not valid YAML or JSON at line 8", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedJson_ReportsTheLine()
    {
        const string json = """
            {
              "apiVersion": "networking.istio.io/v1",
              "kind": "DestinationRule"
              "metadata": { "name": "reviews" },
              "spec": { "host": "reviews" }
            }
            """;

        var result = MeshDocumentParser.Parse(json, "broken.json");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("broken.json", error.Document);
        Assert.StartsWith("is not valid YAML or JSON at line 4, column ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reviews", "(line 1)")]
    [InlineData("- apiVersion: networking.istio.io/v1\n  kind: DestinationRule", "(line 1)")]
    public void Parse_DocumentNotAnObject_Rejected(string text, string line)
    {
        var result = MeshDocumentParser.Parse(text, "odd.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal([new ConfigError("document (odd.yaml:1)", "", $"must be an object {line}")], result.Errors);
    }

    [Fact]
    public void Parse_EmptyText_NoDocumentsNoErrors()
    {
        var result = MeshDocumentParser.Parse("# nothing yet\n---\n", "empty.yaml");

        Assert.Empty(result.Documents);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Parse_UnknownKind_Rejected()
    {
        const string yaml = """
            apiVersion: example.com/v1
            kind: TrafficSplit
            metadata:
              name: reviews
            spec:
              service: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "split.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("TrafficSplit reviews (split.yaml:1)", error.Document);
        Assert.Equal("kind", error.Path);
        Assert.Equal("'TrafficSplit' is not a kind Mesh knows; use VirtualService or DestinationRule", error.Message);
    }

    [Fact]
    public void Parse_IstioKindMeshDoesNotRead_RejectedAsNotSupportedYet()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: external
            spec:
              hosts: [api.example.com]
            """;

        var result = MeshDocumentParser.Parse(yaml, "entry.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("kind", error.Path);
        Assert.Equal("'ServiceEntry' is not supported by Mesh yet; Mesh reads VirtualService and DestinationRule", error.Message);
    }

    [Fact]
    public void Parse_GatewayAndKubernetesObjectsBesideTheRules_SkippedOneLineEach()
    {
        // As Istio's samples ship them: a Gateway and a VirtualService bound to it, a Service and a Deployment.
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: bookinfo-gateway }
            spec:
              selector: { istio: ingressgateway }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: reviews }
            spec:
              ports: [{ port: 9080 }]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: reviews-v1 }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: bookinfo }
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec: { host: reviews }
            """;

        var result = MeshDocumentParser.Parse(yaml, "bookinfo.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal("DestinationRule", Assert.Single(result.Documents).Kind);
        Assert.Equal(
            ["Gateway bookinfo-gateway", "Service reviews", "Deployment reviews-v1", "HTTPRoute bookinfo"],
            result.Skipped.Select(s => $"{s.Kind} {s.Name}"));
        Assert.Equal("skipped Gateway bookinfo-gateway (bookinfo.yaml:1): a proxyless mesh has no gateway proxy to configure; VirtualServices bound only to gateways do not apply to mesh traffic", result.Skipped[0].ToString());
    }

    [Fact]
    public void Parse_MissingMetadataName_Rejected()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              namespace: default
            spec:
              host: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "dr.yaml");

        Assert.Empty(result.Documents);
        var error = Assert.Single(result.Errors);
        Assert.Equal("DestinationRule default/<unnamed> (dr.yaml:1)", error.Document);
        Assert.Equal("metadata.name", error.Path);
        Assert.Equal("is required", error.Message);
    }

    [Fact]
    public void Parse_MissingMetadata_Rejected()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            spec:
              host: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "dr.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(("metadata.name", "is required"), (Assert.Single(result.Errors).Path, result.Errors[0].Message));
    }

    [Fact]
    public void Parse_MissingKindAndApiVersion_BothReported()
    {
        const string yaml = """
            metadata:
              name: reviews
            spec:
              host: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "x.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(
            [("kind", "is required: VirtualService or DestinationRule"), ("apiVersion", "is required, such as networking.istio.io/v1")],
            result.Errors.Select(e => (e.Path, e.Message)));
        Assert.All(result.Errors, e => Assert.Equal("<no kind> reviews (x.yaml:1)", e.Document));
    }

    [Fact]
    public void Parse_MissingSpec_Rejected()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "vs.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(("spec", "is required"), (Assert.Single(result.Errors).Path, result.Errors[0].Message));
    }

    [Fact]
    public void Parse_FieldTwice_ReportedWithLineAndName()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              host: ratings
            """;

        var result = MeshDocumentParser.Parse(yaml, "dr.yaml");

        Assert.Empty(result.Documents);

        // YamlDotNet refuses duplicate keys while loading, so the error is about the text rather than a field path.
        var error = Assert.Single(result.Errors);
        Assert.Equal("dr.yaml: is not valid YAML or JSON at line 7, column 3: Duplicate key host", error.ToString());
    }

    [Fact]
    public void Parse_WrongScalarTypes_ReportedWithTheValue()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: reviews
              http:
              - match:
                - ignoreUriCase: sometimes
                route:
                - destination:
                    host: reviews
                  weight: ninety
            """;

        var result = MeshDocumentParser.Parse(yaml, "vs.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(
            [
                ("spec.hosts", "must be a list of strings (line 6)"),
                ("spec.http[0].match[0].ignoreUriCase", "must be true or false, not 'sometimes' (line 9)"),
                ("spec.http[0].route[0].weight", "must be an integer, not 'ninety' (line 13)"),
            ],
            result.Errors.Select(e => (e.Path, e.Message)));
    }

    [Fact]
    public void Parse_StringMatchWithTwoKinds_Reported()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - match:
                - uri:
                    exact: /a
                    prefix: /b
                route:
                - destination:
                    host: reviews
            """;

        var result = MeshDocumentParser.Parse(yaml, "vs.yaml");

        Assert.Empty(result.Documents);
        Assert.Equal(("spec.http[0].match[0].uri", "set only one of exact, prefix or regex"), (Assert.Single(result.Errors).Path, result.Errors[0].Message));
    }

    [Fact]
    public void Parse_StatusAndKubectlMetadata_Ignored()
    {
        const string yaml = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
              namespace: default
              uid: 6c1e4b0a-1111-2222-3333-444455556666
              resourceVersion: "12345"
              generation: 2
              creationTimestamp: "2024-01-01T00:00:00Z"
            spec:
              host: reviews
            status:
              observedGeneration: 2
            """;

        var result = MeshDocumentParser.Parse(yaml, "exported.yaml");

        Assert.Empty(result.Errors);
        Assert.Equal("reviews", Assert.Single(result.Documents).Metadata.Name);
    }

    public static TheoryData<string> BookinfoFiles() =>
        [.. Directory.GetFiles(RepoPaths.BookinfoNetworking, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(BookinfoFiles))]
    public void Parse_BookinfoSample_ParsesWithoutErrors(string fileName)
    {
        var file = Path.Combine(RepoPaths.BookinfoNetworking, fileName);

        var result = MeshDocumentParser.Parse(File.ReadAllText(file), file);

        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Documents);
        Assert.All(result.Documents, d => Assert.Equal("networking.istio.io/v1", d.ApiVersion));
    }

    [Fact]
    public void Parse_BookinfoSamples_AllElevenFilesFound()
    {
        Assert.Equal(11, BookinfoFiles().Count);
    }

    [Fact]
    public void Parse_BookinfoFaultAndTimeout_ParsedIntoTheModel()
    {
        var delay = Parse("virtual-service-ratings-test-delay.yaml");
        var abort = Parse("virtual-service-ratings-test-abort.yaml");
        var timeout = Parse("virtual-service-reviews-timeout.yaml");

        var delayFault = Assert.IsType<VirtualService>(Assert.Single(delay)).Spec.Http[0].Fault?.Delay;
        Assert.Equal(new FaultDelay { Percentage = 100, FixedDelay = TimeSpan.FromSeconds(7) }, delayFault);
        var abortFault = Assert.IsType<VirtualService>(Assert.Single(abort)).Spec.Http[0].Fault?.Abort;
        Assert.Equal(new FaultAbort { Percentage = 100, HttpStatus = 500 }, abortFault);
        Assert.Equal(TimeSpan.FromMilliseconds(500), Assert.IsType<VirtualService>(timeout[0]).Spec.Http[0].Timeout);

        static IReadOnlyList<MeshDocument> Parse(string name)
        {
            var file = Path.Combine(RepoPaths.BookinfoNetworking, name);
            var result = MeshDocumentParser.Parse(File.ReadAllText(file), file);
            Assert.Empty(result.Errors);
            return result.Documents;
        }
    }

    private static string VirtualServiceWithTimeout(string timeout) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: { host: reviews }
            timeout: "{{timeout}}"
        """;
}
