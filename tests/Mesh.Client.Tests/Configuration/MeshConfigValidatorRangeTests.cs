using Mesh.Configuration.Internal;
using Mesh.Tests;

namespace Mesh.Configuration.Tests;

/// <summary>Issue 8, section 2: what validates also compiles, and nothing is accepted with a changed meaning.</summary>
public class MeshConfigValidatorRangeTests
{
    private static MeshParseResult ParseRoute(string routeFields) =>
        MeshDocumentParser.Parse(TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }\n" + routeFields), "vs.yaml");

    private static IReadOnlyList<ConfigError> ErrorsOf(string yaml)
    {
        var parsed = MeshDocumentParser.Parse(yaml, "test.yaml");
        return parsed.Errors.Count > 0 ? parsed.Errors : MeshConfigValidator.Validate(parsed.Documents);
    }

    [Theory]
    [InlineData("  timeout: 1ms")]
    [InlineData("  timeout: 5ms")]
    [InlineData("  timeout: 25h")]
    [InlineData("  timeout: 596h")]
    [InlineData("  retries: { attempts: 2, perTryTimeout: 2ms }")]
    [InlineData("  retries: { attempts: 2, perTryTimeout: 48h }")]
    public void Validate_TimeoutOutsidePollysStaticRange_ValidAndCompiles(string fields)
    {
        var parsed = ParseRoute(fields);
        Assert.Empty(parsed.Errors);
        Assert.Empty(MeshConfigValidator.Validate(parsed.Documents));

        var snapshot = TestMesh.Compile(parsed.Documents, TestMesh.Reviews);

        Assert.NotNull(snapshot);
    }

    [Theory]
    [InlineData("  timeout: 1ns", "spec.http[0].timeout", "'1ns' is not a whole number of milliseconds; Istio and Mesh take durations to the millisecond, such as '1ms' (line 9)")]
    [InlineData("  timeout: 1500us", "spec.http[0].timeout", "'1500us' is not a whole number of milliseconds; Istio and Mesh take durations to the millisecond, such as '1ms' (line 9)")]
    [InlineData("  timeout: 999999999h", "spec.http[0].timeout", "'999999999h' is longer than Mesh's limit of 596h (.NET timers take at most 2^31-1 ms) (line 9)")]
    [InlineData("  timeout: 597h", "spec.http[0].timeout", "'597h' is longer than Mesh's limit of 596h (.NET timers take at most 2^31-1 ms) (line 9)")]
    [InlineData("  timeout: 99999999999999999999999999999999999999h", "spec.http[0].timeout", "must be a duration such as '1.5s' or '500ms', not '99999999999999999999999999999999999999h' (line 9)")]
    [InlineData("  retries: { attempts: 1, perTryTimeout: 1ns }", "spec.http[0].retries.perTryTimeout", "'1ns' is not a whole number of milliseconds; Istio and Mesh take durations to the millisecond, such as '1ms' (line 9)")]
    public void Parse_DurationItCannotKeepExactly_RefusedNamingTheField(string fields, string path, string message)
    {
        var parsed = ParseRoute(fields);

        Assert.Empty(parsed.Documents);
        var error = Assert.Single(parsed.Errors);
        Assert.Equal((path, message), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("1000h")]
    [InlineData("0.5ns")]
    public void Parse_ConnectTimeoutOutOfRange_Refused(string connectTimeout)
    {
        var yaml = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec:
              host: reviews
              trafficPolicy:
                connectionPool:
                  tcp: { connectTimeout: {{connectTimeout}} }
            """;

        var error = Assert.Single(ErrorsOf(yaml));

        Assert.Equal("spec.trafficPolicy.connectionPool.tcp.connectTimeout", error.Path);
    }

    [Fact]
    public void Validate_ConnectTimeoutBuiltInCode_CheckedAsTheTransportTakesIt()
    {
        var rule = new DestinationRule
        {
            ApiVersion = "networking.istio.io/v1",
            Metadata = new ObjectMetadata { Name = "reviews" },
            Spec = new DestinationRuleSpec
            {
                Host = "reviews",
                TrafficPolicy = new TrafficPolicy { ConnectionPool = new ConnectionPoolSettings { Tcp = new TcpSettings { ConnectTimeout = TimeSpan.FromHours(1000) } } },
            },
        };

        var error = Assert.Single(MeshConfigValidator.Validate([rule]));

        Assert.Equal(("spec.trafficPolicy.connectionPool.tcp.connectTimeout", "is longer than Mesh's limit of 596h (.NET timers take at most 2^31-1 ms)"), (error.Path, error.Message));
    }

    [Theory]
    [InlineData("a{2000}")]
    [InlineData("(a{1000}){1000}")]
    [InlineData("a)|(b")]
    public void Validate_RegexTheRouterCannotBuild_RefusedNamingTheField(string regex)
    {
        var yaml = TestMesh.VirtualService("reviews", "[reviews]", $"- match:\n  - uri: {{ regex: '{regex}' }}\n  route:\n  - destination: {{ host: reviews }}");

        var errors = ErrorsOf(yaml);

        var error = Assert.Single(errors);
        Assert.Equal("spec.http[0].match[0].uri.regex", error.Path);
    }

    [Fact]
    public void Validate_RegexPastTheLengthLimit_RefusedWithoutCompilingIt()
    {
        var regex = new string('a', 500_000);
        var yaml = TestMesh.VirtualService("reviews", "[reviews]", $"- match:\n  - headers:\n      x: {{ regex: '{regex}' }}\n  route:\n  - destination: {{ host: reviews }}");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Single(ErrorsOf(yaml));

        Assert.Equal(("spec.http[0].match[0].headers.x.regex", "is 500000 characters; Mesh compiles regexes of at most 1024 characters (limit: regex length)"), (error.Path, error.Message));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32 * 1024 * 1024);
    }

    [Fact]
    public void Parse_LongBadValue_QuotedCutInTheError()
    {
        var parsed = ParseRoute("  timeout: " + new string('9', 10_000));

        Assert.Equal($"must be a duration such as '1.5s' or '500ms', not '{new string('9', 100)}... (10000 characters)' (line 9)", Assert.Single(parsed.Errors).Message);
    }

    [Fact]
    public void Validate_EveryRegexThatPasses_CompilesInTheRouter()
    {
        foreach (var regex in (string[])["a{100}", "[a-z]+/v[0-9]", "(foo|bar)baz", ".*", "a{2,5}b"])
        {
            var yaml = TestMesh.VirtualService("reviews", "[reviews]", $"- match:\n  - uri: {{ regex: '{regex}' }}\n    ignoreUriCase: true\n  route:\n  - destination: {{ host: reviews }}");
            Assert.Empty(ErrorsOf(yaml));
            _ = TestMesh.Compile(yaml, TestMesh.Reviews);
        }
    }

    [Fact]
    public void Validate_WeightsSummingPastIntRange_RefusedNotWrappedTo100()
    {
        var yaml = TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", """
            - route:
              - destination: { host: reviews, subset: v1 }
                weight: 2147483647
              - destination: { host: reviews, subset: v2 }
                weight: 2147483647
              - destination: { host: reviews, subset: v3 }
                weight: 102
            """));

        var error = Assert.Single(ErrorsOf(yaml));

        Assert.Equal(("spec.http[0].route", "weights sum to 4294967396, past 2147483647; use smaller weights (they are relative)"), (error.Path, error.Message));
    }

    [Fact]
    public void Parse_WeightPastIntRange_SaysOutOfRange()
    {
        var parsed = MeshDocumentParser.Parse(TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews }\n    weight: 2147483648"), "vs.yaml");

        Assert.Equal("2147483648 is out of range; use -2147483648 to 2147483647 (line 9)", Assert.Single(parsed.Errors).Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData(".nan")]
    public void Parse_PercentageNotANumber_Refused(string value)
    {
        var parsed = ParseRoute($"  fault:\n    abort: {{ httpStatus: 500, percentage: {{ value: {value} }} }}");

        Assert.Empty(parsed.Documents);
        Assert.Equal("spec.http[0].fault.abort.percentage.value", Assert.Single(parsed.Errors).Path);
    }

    [Fact]
    public void Validate_PercentageNaNBuiltInCode_Refused()
    {
        var parsed = ParseRoute("  fault:\n    abort: { httpStatus: 500, percentage: { value: 50 } }");
        var vs = (VirtualService)Assert.Single(parsed.Documents);
        var route = vs.Spec.Http[0];
        var broken = vs with { Spec = vs.Spec with { Http = [route with { Fault = route.Fault! with { Abort = route.Fault.Abort! with { Percentage = double.NaN } } }] } };

        var error = Assert.Single(MeshConfigValidator.Validate([broken]));

        Assert.Equal("spec.http[0].fault.abort.percentage", error.Path);
    }

    [Fact]
    public void DocumentLimits_MaxDuration_IsWithinWhatDotNetTimersTake()
    {
        Assert.True(DocumentLimits.MaxDuration.TotalMilliseconds <= int.MaxValue);
        using var handler = new System.Net.Http.SocketsHttpHandler { ConnectTimeout = DocumentLimits.MaxDuration };
        using var cts = new CancellationTokenSource(DocumentLimits.MaxDuration);
    }
}
