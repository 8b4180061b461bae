using System.Globalization;
using Mesh.Testing;

namespace Mesh.Benchmarks;

/// <summary>
/// The long run of the config fuzz test: mutations of Bookinfo's walkthrough files, each parsed,
/// validated and compiled as a service does. Every input must end accepted or refused with errors
/// within the memory and time bounds; the first that does not is written to a file and the run
/// fails. Prints the counts, the largest allocation and the slowest input.
/// </summary>
internal static class FuzzHarness
{
    public static int Run(string[] args)
    {
        var inputs = HarnessMath.Arg(args, "--inputs", 100_000);
        var seed = HarnessMath.Arg(args, "--seed", 1);
        var maxBytes = HarnessMath.Arg(args, "--max-mb", 128) * 1024L * 1024;
        var maxElapsed = TimeSpan.FromSeconds(HarnessMath.Arg(args, "--max-seconds", 5));
        var directory = FindNetworking();
        var files = ConfigFuzzer.BookinfoSeeds(directory);
        var fuzzer = new ConfigFuzzer(files, seed);
        var instances = ConfigFuzzer.BookinfoInstances();
        Console.WriteLine($"fuzz: {inputs} inputs from {files.Count} seed texts in {directory}, seed {seed}; bounds {maxBytes / 1024 / 1024} MB and {maxElapsed.TotalSeconds} s per input");

        int accepted = 0, refused = 0;
        long largest = 0;
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < inputs; i++)
        {
            var input = fuzzer.Next();
            string? failure;
            try
            {
                var outcome = ConfigFuzzer.Check(input, instances);
                (accepted, refused) = outcome.Accepted ? (accepted + 1, refused) : (accepted, refused + 1);
                largest = Math.Max(largest, outcome.AllocatedBytes);
                slowest = outcome.Elapsed > slowest ? outcome.Elapsed : slowest;
                failure = outcome.AllocatedBytes > maxBytes ? $"allocated {outcome.AllocatedBytes} bytes"
                    : outcome.Elapsed > maxElapsed ? $"took {outcome.Elapsed}"
                    : null;
            }
            catch (Exception ex)
            {
                failure = $"threw {ex}";
            }

            if (failure is not null)
            {
                var path = Path.Combine(Path.GetTempPath(), $"mesh-fuzz-{seed}-{i}.yaml");
                File.WriteAllText(path, input);
                Console.WriteLine($"input {i} {failure}");
                Console.WriteLine($"the input is in {path}");
                return 1;
            }

            if ((i + 1) % 10_000 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}: {accepted} accepted, {refused} refused"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{inputs} inputs: {accepted} accepted, {refused} refused; largest allocation {largest / 1024.0 / 1024:F1} MB; slowest {slowest.TotalMilliseconds:F0} ms"));
        return 0;
    }

    private static string FindNetworking()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "Bookinfo", "networking");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"samples/Bookinfo/networking not found above {AppContext.BaseDirectory}");
    }
}
