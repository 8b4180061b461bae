namespace Mesh.Routing.Tests;

public class HeaderSlotMapTests
{
    [Fact]
    public void SlotOf_NamesDifferingInCase_ShareASlot()
    {
        var map = new HeaderSlotMap();

        Assert.Equal(0, map.SlotOf("end-user"));
        Assert.Equal(1, map.SlotOf("x-canary"));
        Assert.Equal(0, map.SlotOf("End-User"));
        Assert.Equal(2, map.Count);
    }

    [Fact]
    public void SlotOf_MoreNamesThanSlots_TheRestGetNoSlot()
    {
        var map = new HeaderSlotMap();
        for (var i = 0; i < RequestView.HeaderSlotCount; i++)
        {
            Assert.Equal(i, map.SlotOf($"x-h{i}"));
        }

        Assert.Equal(RequestView.NoSlot, map.SlotOf("x-one-too-many"));
        Assert.Equal(RequestView.NoSlot, map.SlotOf("x-one-too-many"));
        Assert.Equal(3, map.SlotOf("X-H3"));
    }
}
