using Mesh.Server.Dashboard;

namespace Mesh.Server.Tests.Dashboard;

public sealed class PrometheusTextParserTests
{
    [Fact]
    public void Parse_OpenTelemetryExposition_ReadsNamesLabelsAndValues()
    {
        var text = """
            # TYPE istio_requests_total counter
            # HELP istio_requests_total Requests
            istio_requests_total{otel_scope_name="Mesh",reporter="source",source_app="productpage",response_code="200"} 17 1732900000000
            istio_request_duration_milliseconds_bucket{reporter="source",le="0.5"} 3
            istio_request_duration_milliseconds_bucket{reporter="source",le="+Inf"} 9
            escaped{path="a\"b\\c\nd",trailing="x",} 1.5e3
            plain 42

            """.Replace("\n", "\r\n", StringComparison.Ordinal);

        var result = PrometheusTextParser.Parse(text);

        Assert.Equal(0, result.RejectedLines);
        Assert.Equal(5, result.Samples.Count);
        var requests = result.Samples[0];
        Assert.Equal("istio_requests_total", requests.Name);
        Assert.Equal(17, requests.Value);
        Assert.Equal("productpage", requests.Label("source_app"));
        Assert.Equal("unknown", requests.Label("destination_version"));
        Assert.Equal("+Inf", result.Samples[2].Labels["le"]);
        Assert.Equal("a\"b\\c\nd", result.Samples[3].Labels["path"]);
        Assert.Equal(1500, result.Samples[3].Value);
        Assert.Empty(result.Samples[4].Labels);
    }

    [Theory]
    [InlineData("m{a=\"1\"} 12abc", "bad number '12abc'")]
    [InlineData("m{a=\"1\"} Infinity", "bad number 'Infinity'")]
    [InlineData("m{a=\"1\"} 1e999", "bad number '1e999'")]
    [InlineData("m{a=\"1\"}", "no value")]
    [InlineData("m{a=\"1} 1", "label 'a': unterminated value")]
    [InlineData("m{a=\"\\x\"} 1", "label 'a': bad escape '\\x'")]
    [InlineData("m{a=1} 1", "label 'a' has no quoted value")]
    [InlineData("m{a=\"1\",a=\"2\"} 1", "label 'a' given twice")]
    [InlineData("m{a=\"1\" b=\"2\"} 1", "labels not closed with '}'")]
    [InlineData("{a=\"1\"} 1", "no metric name")]
    public void Parse_BadLine_IsRefusedAlone_WithItsReason(string bad, string reason)
    {
        var result = PrometheusTextParser.Parse($"good 1\n{bad}\nalso_good 2\n");

        Assert.Equal(["good", "also_good"], result.Samples.Select(s => s.Name));
        Assert.Equal(1, result.RejectedLines);
        Assert.Equal($"line 2: {reason}", result.FirstError);
    }

    [Fact]
    public void Parse_HugeLine_IsRefusedWithoutReadingIt()
    {
        var huge = "m{a=\"" + new string('x', PrometheusTextParser.MaxLineLength) + "\"} 1";

        var result = PrometheusTextParser.Parse($"{huge}\nok 1");

        Assert.Equal("ok", Assert.Single(result.Samples).Name);
        Assert.Equal($"line 1: longer than {PrometheusTextParser.MaxLineLength} characters", result.FirstError);
    }

    [Fact]
    public void Parse_TooManyLabels_IsRefused()
    {
        var labels = string.Join(",", Enumerable.Range(0, PrometheusTextParser.MaxLabels + 1).Select(i => $"l{i}=\"v\""));

        var result = PrometheusTextParser.Parse($"m{{{labels}}} 1");

        Assert.Empty(result.Samples);
        Assert.Equal($"line 1: more than {PrometheusTextParser.MaxLabels} labels", result.FirstError);
    }

    [Fact]
    public void Parse_SpecialValues_AndUnwantedNames()
    {
        var result = PrometheusTextParser.Parse("a +Inf\nb -Inf\nc NaN\nskipped{bad 1\n", name => name != "skipped");

        Assert.Equal(0, result.RejectedLines);
        Assert.Equal(double.PositiveInfinity, result.Samples[0].Value);
        Assert.Equal(double.NegativeInfinity, result.Samples[1].Value);
        Assert.True(double.IsNaN(result.Samples[2].Value));
    }

    [Fact]
    public void Parse_BinaryGarbage_NeverThrows()
    {
        var random = new Random(12345);
        var alphabet = "{}=\",\\ \n#abc01.+-eInf\0\u00e9";
        for (var i = 0; i < 2000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 200)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var result = PrometheusTextParser.Parse(text);
            Assert.True(result.Samples.Count + result.RejectedLines <= text.Split('\n').Length);
        }
    }
}
