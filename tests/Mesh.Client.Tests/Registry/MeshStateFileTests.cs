using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Registry;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Abstractions;

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

    [Fact]
    public void SaveThenLoad_NamedPorts_KeptWithTheirTargetPorts()
    {
        using var directory = new TempDirectory();
        var file = new MeshStateFile(Path.Combine(directory.Path, "state.json"));
        var key = new ServiceKey("ratings", "default");
        var ports = new ValueList<InstancePort>([new InstancePort("grpc-ratings", 9090, 51001), new InstancePort("metrics", 15020, 15020)]);
        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>
        {
            [key] = [new ServiceInstance(key, "ratings-1", "10.0.0.1", 51000, new Dictionary<string, string>(), Ports: ports), new ServiceInstance(key, "ratings-2", "10.0.0.2", 52000, new Dictionary<string, string>())],
        };

        file.Save(new MeshState([], [], instances), DateTimeOffset.UnixEpoch, NullLogger.Instance);
        var loaded = file.TryLoad("default", out _, out var error);

        Assert.Null(error);
        var ratings = loaded!.Instances[key];
        Assert.Equal(ports, ratings[0].Ports);
        Assert.Null(ratings[1].Ports);
    }

    [Fact]
    public void SaveThenLoad_ServiceAccount_Kept()
    {
        using var directory = new TempDirectory();
        var file = new MeshStateFile(Path.Combine(directory.Path, "state.json"));
        var key = new ServiceKey("reviews", "default");
        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>
        {
            [key] = [new ServiceInstance(key, "reviews-1", "10.0.0.1", 51000, new Dictionary<string, string>(), ServiceAccount: "bookinfo-reviews"), new ServiceInstance(key, "reviews-2", "10.0.0.2", 52000, new Dictionary<string, string>())],
        };

        file.Save(new MeshState([], [], instances), DateTimeOffset.UnixEpoch, NullLogger.Instance);
        var loaded = file.TryLoad("default", out _, out var error);

        Assert.Null(error);
        Assert.Equal("bookinfo-reviews", loaded!.Instances[key][0].ServiceAccount);
        Assert.Null(loaded.Instances[key][1].ServiceAccount);
    }
}
