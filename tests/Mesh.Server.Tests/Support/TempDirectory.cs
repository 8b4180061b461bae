namespace Mesh.Server.Tests.Support;

/// <summary>A directory of config files for one test, deleted after it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("mesh-server-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes a file atomically (write then rename), as an editor or deploy tool would, so a watcher never reads half of it.</summary>
    public void Write(string name, string text)
    {
        var temp = System.IO.Path.Combine(Path, "." + name + ".tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, System.IO.Path.Combine(Path, name), overwrite: true);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
