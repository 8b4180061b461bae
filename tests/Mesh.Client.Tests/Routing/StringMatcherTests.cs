using System.Text;
using Mesh.Configuration;

namespace Mesh.Routing.Tests;

public class StringMatcherTests
{
    [Theory]
    [InlineData("/reviews/[0-9]+/debug", "/reviews/", "/debug")]
    [InlineData("test-[a-z0-9]+", "test-", null)]
    [InlineData("abc*", "ab", null)]
    [InlineData("abc+d", "ab", "d")]
    [InlineData("abc?", "ab", null)]
    [InlineData("ab{2}c", "a", "c")]
    [InlineData("a.b", "a", "b")]
    [InlineData("[a-z]+-v1", null, "-v1")]
    [InlineData("(ab)?cd", null, "cd")]
    [InlineData("/api/(v1|v2)/x", "/api/", "/x")]
    [InlineData("a|b", null, null)]
    [InlineData("abc|abd", null, null)]
    [InlineData("[|]x|y", null, null)]
    [InlineData("(?i)abc.d", null, null)]
    [InlineData(@"\d+abc", null, "abc")]
    [InlineData(@"x\dabc", "x", null)]
    [InlineData(@"x\x41bc", "x", null)]
    [InlineData(@"x\.abc", "x", "abc")]
    [InlineData("[]a]bc", null, "bc")]
    [InlineData("ab.*", "ab", null)]
    [InlineData(".*ab[0-9]", null, null)]
    public void RequiredLiterals_ExtractsOnlyTextEveryMatchHas(string pattern, string? prefix, string? suffix)
    {
        Assert.Equal((prefix, suffix), StringMatcher.RequiredLiterals(pattern));
    }

    [Theory]
    [InlineData("/reviews/[0-9]+/debug", "/reviews/42/debug", true)]
    [InlineData("/reviews/[0-9]+/debug", "/reviews/42", false)]
    [InlineData("/reviews/[0-9]+/debug", "/api/reviews/42/debug", false)]
    [InlineData("test-[a-z0-9]+", "test-7x", true)]
    [InlineData("test-[a-z0-9]+", "alice", false)]
    public void IsMatch_Regex_WholeValue(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, new StringMatcher(new StringMatch { Regex = pattern }).IsMatch(value));
    }

    [Fact]
    public void IsMatch_RegexWithLiteralSuffix_FinalNewlineAsTheEngineHasIt()
    {
        // '$' also matches before a final newline; skipping the engine must not change that.
        var matcher = new StringMatcher(new StringMatch { Regex = "/reviews/[0-9]+/debug" });

        Assert.Equal(
            StringMatcher.CreateRegex("/reviews/[0-9]+/debug").IsMatch("/reviews/4/debug\n"),
            matcher.IsMatch("/reviews/4/debug\n"));
    }

    [Fact]
    public void IsMatch_IgnoreCaseRegex_NoOrdinalShortcut()
    {
        // Under IgnoreCase the engine folds KELVIN SIGN to 'k'; an ordinal prefix test would not.
        var matcher = new StringMatcher(new StringMatch { Regex = "kb[0-9]+" }, ignoreCase: true);

        Assert.True(matcher.IsMatch("\u212AB12"));
    }

    [Fact]
    public void IsMatch_RandomPatternsAndValues_SameAsTheRegexEngine()
    {
        // Fixed seed: the same 2000 patterns every run. Values have no newline, where the literal
        // shapes (".*lit.*" as a contains) and the engine's '$' are known to differ.
        var random = new Random(20261126);
        string[] atoms = ["a", "b", "/", "-", "ab", ".", "[ab]", "[^a]", "a*", "b+", "a?", "(ab)?", "(a|b)", "\\d", "[0-9]+", "x{2}", ".*", "\\.", "(a|/)+", "[a-]"];
        for (var p = 0; p < 2000; p++)
        {
            var pattern = new StringBuilder();
            var atomCount = random.Next(1, 6);
            for (var i = 0; i < atomCount; i++)
            {
                pattern.Append(atoms[random.Next(atoms.Length)]);
            }

            if (random.Next(10) == 0)
            {
                pattern.Append('|').Append(atoms[random.Next(atoms.Length)]);
            }

            var matcher = new StringMatcher(new StringMatch { Regex = pattern.ToString() });
            var engine = StringMatcher.CreateRegex(pattern.ToString());
            for (var v = 0; v < 30; v++)
            {
                var value = RandomValue(random);
                Assert.True(engine.IsMatch(value) == matcher.IsMatch(value), $"pattern '{pattern}', value '{value}': engine says {engine.IsMatch(value)}");
            }
        }
    }

    private static string RandomValue(Random random)
    {
        const string alphabet = "ab/-x0.";
        var chars = new char[random.Next(0, 8)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
