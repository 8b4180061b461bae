namespace Mesh.Integration.Tests;

/// <summary>Test output that is also appended to the file named by MESH_FIGURES, for measured figures (docs/consul.md) from passing runs.</summary>
internal sealed class Figures(ITestOutputHelper output, string test)
{
    private static readonly Lock Gate = new();

    public void WriteLine(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("MESH_FIGURES") is { Length: > 0 } path)
        {
            lock (Gate)
            {
                File.AppendAllText(path, $"{test}: {line}{Environment.NewLine}");
            }
        }
    }
}
