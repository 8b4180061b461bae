using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Routing.Tests;

/// <summary>What docs/configuration.md and docs/routing.md say about empty matches and weight 0, checked against the validator and the router.</summary>
public class EmptyMatchAndZeroWeightTests
{
    [Theory]
    [InlineData("uri")]
    [InlineData("scheme")]
    [InlineData("method")]
    [InlineData("authority")]
    public void Validate_EmptyStringMatch_AcceptedAndMatchesEveryRequest(string field)
    {
        // Istio's validateStringMatch accepts {}; translation matches every request (uri keeps prefix "/").
        var http = MatchOrV1Http($"- {field}: {{}}");

        Assert.Empty(Validate(http));
        Assert.Equal("v2", MeshRouter.Route(Reviews(http), TestMesh.Request("http://reviews:9080/reviews/0")).Target?.Cluster.Subset);
    }

    [Theory]
    [InlineData("- uri: { regex: \"\" }", "spec.http[0].match[0].uri.regex")]
    [InlineData("- method: { prefix: \"\" }", "spec.http[0].match[0].method.prefix")]
    [InlineData("- headers: { x: { prefix: \"\" } }", "spec.http[0].match[0].headers.x.prefix")]
    public void Validate_EmptyRegexOrNonUriPrefix_RefusedAsIstioDoes(string matchBlocks, string path)
    {
        var error = Assert.Single(Validate(MatchOrV1Http(matchBlocks)));

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("- uri: { prefix: \"\" }", "/reviews/0", true)]
    [InlineData("- uri: { prefix: \"\" }", "/", true)]
    [InlineData("- uri: { exact: \"\" }", "/", false)]
    [InlineData("- {}", "/reviews/0", true)]
    public void Route_EmptyStrings_AcceptedAndMatchAsDocumented(string matchBlocks, string path, bool matches)
    {
        var http = MatchOrV1Http(matchBlocks);

        Assert.Empty(Validate(http));
        var decision = MeshRouter.Route(Reviews(http), TestMesh.Request("http://reviews:9080" + path));

        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal(matches ? "v2" : "v1", decision.Target?.Cluster.Subset);
    }

    [Theory]
    [InlineData("headers: { x-debug: {} }", "x-debug", "", true)]
    [InlineData("headers: { x-debug: {} }", "x-other", "1", false)]
    [InlineData("withoutHeaders: { x-debug: {} }", "x-debug", "1", false)]
    [InlineData("withoutHeaders: { x-debug: {} }", "x-other", "1", true)]
    public void Route_EmptyHeaderMatch_MeansPresentOrAbsent(string condition, string header, string value, bool matches)
    {
        var http = MatchOrV1Http("- " + condition);

        Assert.Empty(Validate(http));
        var decision = MeshRouter.Route(Reviews(http), TestMesh.Request("http://reviews:9080/", (header, value)));

        Assert.Equal(matches ? "v2" : "v1", decision.Target?.Cluster.Subset);
    }

    [Fact]
    public void Route_SingleDestinationWeightZero_TakesAllTheRequestsItMatches()
    {
        const string http = """
            - match:
              - uri: { prefix: /reviews }
              route:
              - destination: { host: reviews, subset: v2 }
                weight: 0
            - route:
              - destination: { host: reviews, subset: v1 }
            """;

        Assert.Empty(Validate(http));
        var decision = MeshRouter.Route(Reviews(http), TestMesh.Request("http://reviews:9080/reviews/0"));

        // Istio: a route's only destination receives all its traffic, whatever its weight.
        Assert.Equal(RouteOutcome.Routed, decision.Outcome);
        Assert.Equal((0, "v2"), (decision.MatchIndex, decision.Target?.Cluster.Subset));
    }

    [Theory]
    [InlineData("weight: 50", false)]
    [InlineData("weight: 100", false)]
    [InlineData("weight: 0", false)]
    [InlineData("weight: -1", true)]
    public void Validate_SingleDestinationWeight_AnyButNegative(string weight, bool error)
    {
        var http = $$"""
            - route:
              - destination: { host: reviews, subset: v1 }
                {{weight}}
            """;

        Assert.Equal(error, Validate(http).Count > 0);
    }

    [Fact]
    public void Validate_SeveralDestinationsMissingWeight_CountsAsZero()
    {
        const string http = """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 100
              - destination: { host: reviews, subset: v2 }
            """;

        Assert.Empty(Validate(http));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", MeshRouter.Route(Reviews(http), TestMesh.Request("http://reviews:9080/")).Target?.Cluster.Subset);
        }
    }

    private static IReadOnlyList<ConfigError> Validate(string http) =>
        MeshConfigValidator.Validate(TestMesh.Parse(Yaml(http)));

    private static string Yaml(string http) => TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", http));

    private static RouteTable Reviews(string http) => TestMesh.Compile(Yaml(http), TestMesh.Reviews);

    private static string MatchOrV1Http(string matchBlocks) => $$"""
        - match:
        {{string.Join('\n', matchBlocks.Split('\n').Select(l => "  " + l))}}
          route:
          - destination: { host: reviews, subset: v2 }
        - route:
          - destination: { host: reviews, subset: v1 }
        """;
}
