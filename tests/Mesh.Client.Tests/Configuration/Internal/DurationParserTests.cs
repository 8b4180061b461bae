namespace Mesh.Configuration.Internal.Tests;

public class DurationParserTests
{
    [Theory]
    [InlineData("0.5s", 5_000_000)]
    [InlineData("500ms", 5_000_000)]
    [InlineData("1m30s", 900_000_000)]
    [InlineData("1h", 36_000_000_000)]
    [InlineData(" 2s ", 20_000_000)]
    [InlineData("250us", 2_500)]
    [InlineData("250\u00B5s", 2_500)] // micro sign, as Go writes it
    [InlineData("250\u03BCs", 2_500)] // Greek mu, which Go also accepts
    [InlineData("1500ns", 15)]
    [InlineData("0s", 0)]
    public void TryParse_GoAndProtobufForms_Parsed(string text, long expectedTicks)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("10")]
    [InlineData("10 s")]
    [InlineData("1d")]
    [InlineData("ms")]
    [InlineData("-5s")]
    [InlineData("1..5s")]
    public void TryParse_NotADuration_False(string? text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData(2_000, "2s")]
    [InlineData(90_000, "90s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0, "0s")]
    public void Format_WholeSecondsInSecondsElseMilliseconds(int milliseconds, string expected)
    {
        Assert.Equal(expected, DurationParser.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
