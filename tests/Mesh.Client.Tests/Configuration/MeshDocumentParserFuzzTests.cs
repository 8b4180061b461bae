using Mesh.Testing;
using Mesh.Tests;

namespace Mesh.Configuration.Tests;

/// <summary>
/// Issue 8, section 1: mutations of Bookinfo's walkthrough files, each parsed, validated and
/// compiled as a service does. Every input ends accepted or refused with errors, within a memory and
/// a time bound. A fixed seed, so a failure names an input that can be run again; the longer run is
/// <c>dotnet run -c Release --project bench/Mesh.Benchmarks -- fuzz</c>.
/// </summary>
public class MeshDocumentParserFuzzTests
{
    private const int Inputs = 400;

    // A document within the limits builds at most 100,000 nodes; what Bookinfo-sized inputs allocate is far less.
    private const long MaxAllocatedBytes = 64L * 1024 * 1024;

    // Generous for a loaded 2-core machine: a hang or a quadratic blow-up takes far longer.
    private static readonly TimeSpan MaxElapsed = TimeSpan.FromSeconds(5);

    [Fact]
    public void Check_MutatedBookinfoFiles_AcceptedOrRefusedWithinBounds()
    {
        var fuzzer = new ConfigFuzzer(ConfigFuzzer.BookinfoSeeds(RepoPaths.BookinfoNetworking), seed: 8);
        var instances = ConfigFuzzer.BookinfoInstances();
        var accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = fuzzer.Next();
            ConfigFuzzer.Outcome outcome;
            try
            {
                outcome = ConfigFuzzer.Check(input, instances);
            }
            catch (Exception ex)
            {
                Assert.Fail($"input {i} (seed 8) threw {ex.GetType().Name}: {ex.Message}\n--- input (first 2000 characters) ---\n{input[..Math.Min(input.Length, 2000)]}");
                throw;
            }

            Assert.True(outcome.AllocatedBytes < MaxAllocatedBytes, $"input {i} (seed 8) allocated {outcome.AllocatedBytes} bytes");
            Assert.True(outcome.Elapsed < MaxElapsed, $"input {i} (seed 8) took {outcome.Elapsed}");
            accepted += outcome.Accepted ? 1 : 0;
        }

        // Mutations that keep a file valid (a duplicated document, CRLF, a comment) must still be accepted: the check is not vacuous.
        Assert.InRange(accepted, 1, Inputs - 1);
    }

    [Fact]
    public void Check_EverySeed_Accepted()
    {
        var instances = ConfigFuzzer.BookinfoInstances();
        foreach (var seed in ConfigFuzzer.BookinfoSeeds(RepoPaths.BookinfoNetworking))
        {
            Assert.True(ConfigFuzzer.Check(seed, instances).Accepted, seed);
        }
    }
}
