namespace Mesh.Server.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The Node client of the xDS tests (tests/xds-node; <c>npm ci</c> installs its packages).</summary>
    public static string XdsNode => Path.Combine(Root, "tests", "xds-node");

    public static string EchoProto => Path.Combine(Root, "tests", "Mesh.Server.Tests", "Protos", "echo.proto");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
