using Mesh.Registry;

namespace Mesh.Client.Tests.Registry;

public sealed class MeshStateFileTests
{
    [Fact]
    public void DefaultDirectory_XdgStateHome_IsUsed()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "xdg-state"));
        Assert.Equal(Path.Combine(root, "mesh"), MeshStateFile.DefaultDirectory(name => name == "XDG_STATE_HOME" ? root : null));
    }

    [Fact]
    public void DefaultDirectory_NoXdgStateHome_IsPerUser_AndNotTheTempMeshDirectory()
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            return; // the local application data folder, which the platform owns
        }

        var home = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "home-of-someone"));
        Assert.Equal(Path.Combine(home, ".local", "state", "mesh"), MeshStateFile.DefaultDirectory(name => name == "HOME" ? home : null));
        Assert.Equal(Path.Combine(home, ".local", "state", "mesh"), MeshStateFile.DefaultDirectory(name => name switch { "HOME" => home, "XDG_STATE_HOME" => "relative/ignored", _ => null }));
    }

    [Fact]
    public void DefaultPath_IsNotUnderTheTempMeshDirectory()
    {
        // Bookinfo's walkthrough keeps its config in {temp}/mesh, which the static registry reads.
        var path = MeshStateFile.DefaultPath("reviews", "default");
        Assert.False(path.StartsWith(Path.Combine(Path.GetTempPath(), "mesh") + Path.DirectorySeparatorChar, StringComparison.Ordinal), path);
        Assert.EndsWith("reviews-default.state.json", path, StringComparison.Ordinal);
    }
}
