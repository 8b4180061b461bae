namespace Mesh.Hosting.Tests;

public class MeshOptionsPostConfigureTests
{
    [Fact]
    public void PostConfigure_NoInstanceId_NamedLikeAPod()
    {
        var options = new MeshOptions { Service = "reviews", Labels = { ["version"] = "v2" } };

        new MeshOptionsPostConfigure().PostConfigure(null, options);

        Assert.Matches("^reviews-v2-[bcdfghjklmnpqrstvwxz2456789]{5}$", options.InstanceId);
    }

    [Fact]
    public void PostConfigure_NoServiceNoVersion_NamedWorkload()
    {
        var options = new MeshOptions();

        new MeshOptionsPostConfigure().PostConfigure(null, options);

        Assert.Matches("^workload-[bcdfghjklmnpqrstvwxz2456789]{5}$", options.InstanceId);
    }

    [Fact]
    public void PostConfigure_InstanceIdSet_Kept()
    {
        var options = new MeshOptions { Service = "reviews", InstanceId = "reviews-1" };

        new MeshOptionsPostConfigure().PostConfigure(null, options);

        Assert.Equal("reviews-1", options.InstanceId);
    }
}
