using Mesh.Runtime;
using Mesh.Configuration;
using Mesh.Snapshot;
using Mesh.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Resilience.Tests;

/// <summary>Envoy's consecutive-error outlier detection, on fake time: what counts, when an endpoint is ejected, for how long, and when it returns.</summary>
public sealed class OutlierDetectorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<OutlierDetector> _detectors = [];

    [Fact]
    public void Record_FiveConsecutive5xx_IstioDefault_Ejected()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 4);
        Assert.False(endpoints[0].State.IsEjected);
        Fail(detector, endpoints[0], 1);

        Assert.True(endpoints[0].State.IsEjected);
        Assert.Equal([endpoints[1]], detector.Available);
        Assert.Equal(_time.GetUtcNow().AddSeconds(30).UtcTicks, endpoints[0].State.EjectedUntilTicks); // Istio's default baseEjectionTime
    }

    [Fact]
    public void Record_SuccessInBetween_ResetsTheCount()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 3, MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 2);
        detector.Record(endpoints[0], is5xx: false, isGateway: false);
        Fail(detector, endpoints[0], 2);

        Assert.False(endpoints[0].State.IsEjected);
        Fail(detector, endpoints[0], 1);
        Assert.True(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void Record_OtherEndpointsErrors_DoNotCount()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 2, MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 1);
        Fail(detector, endpoints[1], 1);

        Assert.Equal(endpoints, detector.Available);
    }

    [Fact]
    public void Record_ConsecutiveGatewayErrorsOnly_Only502To504Count()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 0, ConsecutiveGatewayErrors = 3, MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 10, status: 500);
        Assert.False(endpoints[0].State.IsEjected); // consecutive5xxErrors: 0 turns 5xx ejection off

        Fail(detector, endpoints[0], 2, status: 502);
        Fail(detector, endpoints[0], 1, status: 500); // a non-gateway 5xx breaks the gateway run, as in Envoy
        Fail(detector, endpoints[0], 2, status: 503);
        Assert.False(endpoints[0].State.IsEjected);

        Fail(detector, endpoints[0], 1, status: 504);
        Assert.True(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void Record_GatewayThresholdLowerThan5xx_GatewayErrorsEjectFirst()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 5, ConsecutiveGatewayErrors = 2, MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 2, status: 503);

        Assert.True(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void Record_BothThresholdsZero_NeverEjects()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 0, ConsecutiveGatewayErrors = 0, MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 50, status: 503);

        Assert.False(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void Ejection_Interval_ReturnsAtTheFirstTickAfterTheTimeIsUp()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, Interval = TimeSpan.FromSeconds(10), BaseEjectionTime = TimeSpan.FromSeconds(25), MaxEjectionPercent = 100 });
        Fail(detector, endpoints[0], 1);

        _time.Advance(TimeSpan.FromSeconds(20)); // ticks at 10 and 20: not yet
        Assert.True(endpoints[0].State.IsEjected);
        _time.Advance(TimeSpan.FromSeconds(5));  // 25 s: the time is up, but no tick yet
        Assert.True(endpoints[0].State.IsEjected);
        Assert.Equal([endpoints[1]], detector.Available);
        _time.Advance(TimeSpan.FromSeconds(5));  // the tick at 30 s returns it

        Assert.False(endpoints[0].State.IsEjected);
        Assert.Equal(endpoints, detector.Available);
    }

    [Fact]
    public void Ejection_SameEndpointAgain_BaseTimesNCappedAt300Seconds()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, Interval = TimeSpan.FromSeconds(1), BaseEjectionTime = TimeSpan.FromSeconds(100), MaxEjectionPercent = 100 });
        var durations = new List<TimeSpan>();

        for (var n = 1; n <= 4; n++)
        {
            Fail(detector, endpoints[0], 1);
            var duration = TimeSpan.FromTicks(endpoints[0].State.EjectedUntilTicks - _time.GetUtcNow().UtcTicks);
            durations.Add(duration);
            _time.Advance(duration);
            Assert.False(endpoints[0].State.IsEjected);
        }

        Assert.Equal([100, 200, 300, 300], durations.Select(d => d.TotalSeconds));
        Assert.Equal(4, endpoints[0].State.Ejections);
    }

    [Fact]
    public void Ejection_BaseLongerThan300Seconds_TheBaseIsTheCap()
    {
        // Envoy's max_ejection_time defaults to 300 s or base_ejection_time, whichever is larger.
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, BaseEjectionTime = TimeSpan.FromSeconds(400), MaxEjectionPercent = 100 });

        Fail(detector, endpoints[0], 1);

        Assert.Equal(_time.GetUtcNow().AddSeconds(400).UtcTicks, endpoints[0].State.EjectedUntilTicks);
    }

    [Fact]
    public void Ejection_ReturnedEndpoint_CountStartsAgain()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 3, Interval = TimeSpan.FromSeconds(1), BaseEjectionTime = TimeSpan.FromSeconds(10), MaxEjectionPercent = 100 });
        Fail(detector, endpoints[0], 3);
        _time.Advance(TimeSpan.FromSeconds(10));

        Fail(detector, endpoints[0], 2);

        Assert.False(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void MaxEjectionPercent_BelowOneEndpoint_StillEjectsOne()
    {
        // 10% (Istio's default) of 3 endpoints is less than one: one ejection is allowed anyway, a second is not.
        var endpoints = TestEndpoints.Create(3);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 5, Interval = TimeSpan.FromSeconds(1), BaseEjectionTime = TimeSpan.FromSeconds(30) });

        Fail(detector, endpoints[0], 5);
        Fail(detector, endpoints[1], 5);

        Assert.True(endpoints[0].State.IsEjected);
        Assert.False(endpoints[1].State.IsEjected);
        Assert.Equal([endpoints[1], endpoints[2]], detector.Available);

        _time.Advance(TimeSpan.FromSeconds(30)); // the first returns: room for another
        Fail(detector, endpoints[1], 5);

        Assert.False(endpoints[0].State.IsEjected);
        Assert.True(endpoints[1].State.IsEjected);
    }

    [Fact]
    public void MaxEjectionPercent_Half_EjectsUpToHalf()
    {
        var endpoints = TestEndpoints.Create(4);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, MaxEjectionPercent = 50 });

        foreach (var endpoint in endpoints)
        {
            Fail(detector, endpoint, 1);
        }

        Assert.Equal([true, true, false, false], endpoints.Select(e => e.State.IsEjected));
        Assert.Equal([endpoints[2], endpoints[3]], detector.Available);
    }

    [Fact]
    public void MinHealthPercentZero_EveryEndpointEjected_NoneAvailable()
    {
        // Istio's default minHealthPercent is 0: no panic, so a cluster whose only endpoint is ejected has no healthy upstream.
        var endpoints = TestEndpoints.Create(1);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1 });

        Fail(detector, endpoints[0], 1);

        Assert.True(endpoints[0].State.IsEjected);
        Assert.Empty(detector.Available);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(endpoints, detector.Available);
    }

    [Fact]
    public void MinHealthPercent_FewerHealthyThanIt_PanicUsesEveryEndpoint()
    {
        var endpoints = TestEndpoints.Create(4);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, MaxEjectionPercent = 100, MinHealthPercent = 50 });

        Fail(detector, endpoints[0], 1);
        Fail(detector, endpoints[1], 1);
        Assert.Equal([endpoints[2], endpoints[3]], detector.Available); // 50% healthy: not below it

        Fail(detector, endpoints[2], 1); // 25% healthy: panic

        Assert.True(endpoints[2].State.IsEjected);
        Assert.Equal(endpoints, detector.Available);

        _time.Advance(TimeSpan.FromSeconds(30)); // all three return (Istio's default interval 10 s, base 30 s)
        Assert.Equal(endpoints, detector.Available);
        Assert.All(endpoints, e => Assert.False(e.State.IsEjected));
    }

    [Fact]
    public void Update_EndpointEjectedBefore_StaysOutForTheRestOfItsTimeThenReturns()
    {
        // A config update applies new settings and endpoints in place; ejections live in the endpoints' state.
        var endpoints = TestEndpoints.Create(2);
        var added = TestEndpoints.Create("10.0.0.9");
        var settings = new OutlierDetection { Consecutive5xxErrors = 1, Interval = TimeSpan.FromSeconds(5), BaseEjectionTime = TimeSpan.FromSeconds(10), MaxEjectionPercent = 100 };
        var detector = Detector(endpoints, settings);
        Fail(detector, endpoints[0], 1);

        detector.Update([.. endpoints, added], settings with { Consecutive5xxErrors = 3 });

        Assert.Equal([endpoints[1], added], detector.Available);
        Assert.Equal(3, detector.Consecutive5xx);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([endpoints[0], endpoints[1], added], detector.Available);
    }

    [Fact]
    public void Dispose_EjectedEndpoints_ReturnAtOnce()
    {
        // Outlier detection removed from the config: nothing keeps an endpoint out any more.
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, MaxEjectionPercent = 100 });
        Fail(detector, endpoints[0], 1);
        Assert.True(endpoints[0].State.IsEjected);

        detector.Dispose();

        Assert.False(endpoints[0].State.IsEjected);
    }

    [Fact]
    public void Dispose_DisposedDetector_EjectsNoMore()
    {
        var endpoints = TestEndpoints.Create(2);
        var detector = Detector(endpoints, new OutlierDetection { Consecutive5xxErrors = 1, MaxEjectionPercent = 100 });

        detector.Dispose();
        Fail(detector, endpoints[0], 3);

        Assert.False(endpoints[0].State.IsEjected);
    }

    private OutlierDetector Detector(MeshEndpoint[] endpoints, OutlierDetection settings)
    {
        var detector = new OutlierDetector(endpoints, settings, _time);
        _detectors.Add(detector);
        return detector;
    }

    private static void Fail(OutlierDetector detector, MeshEndpoint endpoint, int times, int status = 500)
    {
        for (var i = 0; i < times; i++)
        {
            detector.Record(endpoint, is5xx: status >= 500, isGateway: status is 502 or 503 or 504);
        }
    }

    public void Dispose()
    {
        foreach (var detector in _detectors)
        {
            detector.Dispose();
        }
    }
}
