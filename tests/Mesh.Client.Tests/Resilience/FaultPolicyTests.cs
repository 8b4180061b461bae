using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Resilience.Tests;

public class FaultPolicyTests
{
    [Theory]
    [InlineData(100, new int[0])]   // always: no draw
    [InlineData(150, new int[0])]
    [InlineData(0, new int[0])]     // never: no draw
    [InlineData(-1, new int[0])]
    public void Roll_AllOrNothing_DrawsNothing(double percent, int[] expectedCalls)
    {
        var random = new ScriptedRandom();

        var rolled = FaultPolicy.Roll(percent, random);

        Assert.Equal(percent >= 100, rolled);
        Assert.Equal(expectedCalls, random.Calls);
    }

    [Theory]
    [InlineData(50, 499_999, true)]
    [InlineData(50, 500_000, false)]
    [InlineData(10, 99_999, true)]
    [InlineData(10, 100_000, false)]
    [InlineData(0.0001, 0, true)]     // the finest share Istio's percentage expresses: one in a million
    [InlineData(0.0001, 1, false)]
    [InlineData(99.9999, 999_998, true)]
    [InlineData(99.9999, 999_999, false)]
    public void Roll_Share_OneDrawInAMillion(double percent, int draw, bool expected)
    {
        var random = new ScriptedRandom(draw);

        Assert.Equal(expected, FaultPolicy.Roll(percent, random));
        Assert.Equal([1_000_000], random.Calls);
    }

    [Fact]
    public void Roll_Share_HitsItsShareOfASeededSequence()
    {
        // Statistical: 100,000 rolls at 10% with a fixed seed land within ±0.5 points of 10%.
        var random = new SeededRandom(7);

        var hits = Enumerable.Range(0, 100_000).Count(_ => FaultPolicy.Roll(10, random));

        Assert.InRange(hits, 9_500, 10_500);
    }

    [Fact]
    public void Create_NoFault_Null() => Assert.Null(FaultPolicy.Create(null));

    [Fact]
    public void Create_DelayAndAbort_Compiled()
    {
        var policy = FaultPolicy.Create(new HttpFaultInjection
        {
            Delay = new FaultDelay { Percentage = 10, FixedDelay = TimeSpan.FromSeconds(7) },
            Abort = new FaultAbort { Percentage = 2.5, HttpStatus = 500 },
        });

        Assert.Equal(new FaultPolicy(TimeSpan.FromSeconds(7), 10, 500, 2.5), policy);
    }

    [Fact]
    public void Create_OnlyAnAbort_NoDelay()
    {
        var policy = FaultPolicy.Create(new HttpFaultInjection { Abort = new FaultAbort { Percentage = 100, HttpStatus = 503 } });

        Assert.Equal(new FaultPolicy(TimeSpan.Zero, 0, 503, 100), policy);
    }

    [Fact]
    public void Create_PercentageLeftOut_NoRequestFaulted()
    {
        // Istio: "If left unspecified, no request will be delayed" / "If not specified, no request will be aborted".
        var policy = FaultPolicy.Create(new HttpFaultInjection
        {
            Delay = new FaultDelay { FixedDelay = TimeSpan.FromSeconds(7) },
            Abort = new FaultAbort { HttpStatus = 500 },
        });

        Assert.Equal(new FaultPolicy(TimeSpan.FromSeconds(7), 0, 500, 0), policy);
        Assert.False(FaultPolicy.Roll(policy!.DelayPercent, new ScriptedRandom()));
        Assert.False(FaultPolicy.Roll(policy.AbortPercent, new ScriptedRandom()));
    }
}
