using Mesh.Runtime;
using System.Globalization;
using Mesh.Configuration;
using Mesh.Snapshot;
using Mesh.Tests;

namespace Mesh.LoadBalancing.Tests;

public class RingHashLoadBalancerTests
{
    [Fact]
    public void Pick_SameHeaderValue_SameEndpointEveryTime()
    {
        var endpoints = TestEndpoints.Create(5);
        var balancer = Header(endpoints);

        var picks = Enumerable.Range(0, 100).Select(_ => balancer.Pick(WithHeader("user-42"), endpoints)).Distinct().ToList();

        Assert.Single(picks);
    }

    [Fact]
    public void Pick_SameKey_SameEndpointAcrossRebuilds()
    {
        // A new snapshot builds a new ring; a key must stay where it was.
        var first = Header(TestEndpoints.Create(5));
        var second = Header(TestEndpoints.Create(5));

        for (var i = 0; i < 200; i++)
        {
            var key = Key(i);
            Assert.Equal(PickAddress(first, key), PickAddress(second, key));
        }
    }

    [Fact]
    public void Pick_DifferentKeys_SpreadOverEveryEndpoint()
    {
        // The hash is deterministic; the tolerance only states what "spread" means: 4 endpoints, 1,000 keys,
        // each endpoint between 15% and 35% of the keys.
        var endpoints = TestEndpoints.Create(4);
        var balancer = Header(endpoints);

        var counts = Enumerable.Range(0, 1_000).Select(i => balancer.Pick(WithHeader(Key(i)), endpoints).Address).CountBy(a => a).ToList();

        Assert.Equal(4, counts.Count);
        Assert.All(counts, c => Assert.InRange(c.Value, 150, 350));
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(5, 4)]
    [InlineData(4, 0)]
    [InlineData(3, 1)]
    public void Pick_EndpointRemoved_OnlyItsKeysMove(int count, int removed)
    {
        var before = TestEndpoints.Create(count);
        var after = before.Where((_, i) => i != removed).ToArray();
        var ringBefore = Header(before);
        var ringAfter = Header(after);

        var moved = 0;
        for (var i = 0; i < 1_000; i++)
        {
            var request = WithHeader(Key(i));
            var was = ringBefore.Pick(request, before);
            var now = ringAfter.Pick(request, after);
            if (was == before[removed])
            {
                moved++;
                Assert.NotSame(was, now);
            }
            else
            {
                Assert.True(was == now, $"key {Key(i)} moved from {was} to {now} although {before[removed]} was removed");
            }
        }

        Assert.True(moved > 0, "no key was on the removed endpoint; the test proves nothing");
    }

    [Fact]
    public void Pick_EndpointAdded_KeysMoveOnlyToIt()
    {
        var before = TestEndpoints.Create(4);
        var after = before.Append(TestEndpoints.Create("10.0.0.9")).ToArray();
        var ringBefore = Header(before);
        var ringAfter = Header(after);

        var movedToNew = 0;
        for (var i = 0; i < 1_000; i++)
        {
            var request = WithHeader(Key(i));
            var was = ringBefore.Pick(request, before);
            var now = ringAfter.Pick(request, after);
            if (now == after[^1])
            {
                movedToNew++;
            }
            else
            {
                Assert.True(was == now, $"key {Key(i)} moved from {was} to {now}; only moves to the new endpoint are expected");
            }
        }

        Assert.True(movedToNew > 0, "no key moved to the new endpoint");
    }

    [Fact]
    public void Pick_MissingKey_RandomEndpointFromTheInjectedRandom()
    {
        var endpoints = TestEndpoints.Create(4);
        var random = new ScriptedRandom(3, 1);
        var balancer = Header(endpoints, random);

        Assert.Equal("10.0.0.4", balancer.Pick(TestEndpoints.Request(), endpoints).Address);
        Assert.Equal("10.0.0.2", balancer.Pick(TestEndpoints.Request(), endpoints).Address);
        Assert.Equal([4, 4], random.Calls);
    }

    [Fact]
    public void Pick_CookieKey_HashesTheCookiesValue()
    {
        var endpoints = TestEndpoints.Create(5);
        var byHeader = Header(endpoints);
        var byCookie = new RingHashLoadBalancer(endpoints, HashKeySource.Cookie, "session", 1024, "127.0.0.1", new ScriptedRandom());

        for (var i = 0; i < 100; i++)
        {
            var key = Key(i);
            var request = TestEndpoints.Request();
            request.Headers.TryAddWithoutValidation("Cookie", $"theme=dark; session={key}; lang=en");

            Assert.Same(byHeader.Pick(WithHeader(key), endpoints), byCookie.Pick(request, endpoints));
        }
    }

    [Fact]
    public void Pick_QueryParameterKey_HashesTheParametersValue()
    {
        var endpoints = TestEndpoints.Create(5);
        var byHeader = Header(endpoints);
        var byQuery = new RingHashLoadBalancer(endpoints, HashKeySource.QueryParameter, "user", 1024, "127.0.0.1", new ScriptedRandom());

        for (var i = 0; i < 100; i++)
        {
            var key = Key(i);
            var request = TestEndpoints.Request($"http://reviews:9080/reviews?page=2&user={key}");

            Assert.Same(byHeader.Pick(WithHeader(key), endpoints), byQuery.Pick(request, endpoints));
        }
    }

    [Fact]
    public void Pick_SourceIp_SameEndpointForEveryRequestOfThisCaller()
    {
        var endpoints = TestEndpoints.Create(5);
        var byHeader = Header(endpoints);
        var bySource = new RingHashLoadBalancer(endpoints, HashKeySource.SourceIp, "", 1024, "10.1.2.3", new ScriptedRandom());

        var picks = Enumerable.Range(0, 20).Select(i => bySource.Pick(WithHeader(Key(i)), endpoints)).Distinct().ToList();

        Assert.Same(byHeader.Pick(WithHeader("10.1.2.3"), endpoints), Assert.Single(picks));
    }

    [Theory]
    [InlineData(1024, 3)]
    [InlineData(1024, 7)]
    [InlineData(100, 1)]
    [InlineData(4096, 10)]
    [InlineData(1, 4)]
    public void RingSize_AtLeastMinimumRingSize(long minimumRingSize, int endpointCount)
    {
        var balancer = new RingHashLoadBalancer(TestEndpoints.Create(endpointCount), HashKeySource.Header, "x-user", minimumRingSize, "127.0.0.1", new ScriptedRandom());

        Assert.True(balancer.RingSize >= minimumRingSize, $"ring has {balancer.RingSize} points, fewer than minimumRingSize {minimumRingSize}");
        Assert.True(balancer.RingSize >= endpointCount, $"ring has {balancer.RingSize} points, fewer than the {endpointCount} endpoints");
        Assert.Equal(0, balancer.RingSize % endpointCount); // every endpoint gets the same share
    }

    [Fact]
    public void RingSize_NoEndpoints_EmptyRing()
    {
        Assert.Equal(0, new RingHashLoadBalancer([], HashKeySource.Header, "x-user", 1024, "127.0.0.1", new ScriptedRandom()).RingSize);
    }

    [Fact]
    public void Pick_CookieWithTtlMissing_GeneratesSetCookieAndTheCookieLandsOnTheSameEndpoint()
    {
        var endpoints = TestEndpoints.Create(5);
        var random = new ScriptedRandom(0x1234567, 0x7abcdef);
        var balancer = new RingHashLoadBalancer(endpoints, HashKeySource.Cookie, "session", 1024, "127.0.0.1", random)
        {
            Cookie = new HttpCookie { Name = "session", Path = "/reviews", Ttl = TimeSpan.FromHours(1) },
        };
        var first = TestEndpoints.Request();

        var firstPick = balancer.Pick(first, endpoints);

        Assert.True(first.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie));
        Assert.Equal("session=0123456707abcdef; Max-Age=3600; Path=/reviews; HttpOnly", setCookie);
        Assert.Equal([int.MaxValue, int.MaxValue], random.Calls);

        for (var i = 0; i < 10; i++)
        {
            var again = TestEndpoints.Request();
            again.Headers.TryAddWithoutValidation("Cookie", "session=0123456707abcdef");

            Assert.Same(firstPick, balancer.Pick(again, endpoints));
            Assert.False(again.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out _));
        }
    }

    [Fact]
    public void Pick_CookieWithoutTtlMissing_RandomEndpointAndNoSetCookie()
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new RingHashLoadBalancer(endpoints, HashKeySource.Cookie, "session", 1024, "127.0.0.1", new ScriptedRandom(2))
        {
            Cookie = new HttpCookie { Name = "session" },
        };
        var request = TestEndpoints.Request();

        Assert.Same(endpoints[2], balancer.Pick(request, endpoints));
        Assert.False(request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out _));
    }

    [Fact]
    public void Pick_GeneratedCookieWithoutPath_OmitsPath()
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new RingHashLoadBalancer(endpoints, HashKeySource.Cookie, "s", 1024, "127.0.0.1", new ScriptedRandom(1, 2))
        {
            Cookie = new HttpCookie { Name = "s", Ttl = TimeSpan.FromSeconds(90) },
        };
        var request = TestEndpoints.Request();

        balancer.Pick(request, endpoints);

        Assert.True(request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie));
        Assert.Equal("s=0000000100000002; Max-Age=90; HttpOnly", setCookie);
    }

    [Theory]
    [InlineData(0, "s=0000000100000002; HttpOnly")]
    [InlineData(500, "s=0000000100000002; Max-Age=1; HttpOnly")]
    [InlineData(1500, "s=0000000100000002; Max-Age=1; HttpOnly")]
    public void Pick_GeneratedCookieTtl_ZeroIsASessionCookieAndFractionsAreDropped(int ttlMilliseconds, string expected)
    {
        var endpoints = TestEndpoints.Create(3);
        var balancer = new RingHashLoadBalancer(endpoints, HashKeySource.Cookie, "s", 1024, "127.0.0.1", new ScriptedRandom(1, 2))
        {
            Cookie = new HttpCookie { Name = "s", Ttl = TimeSpan.FromMilliseconds(ttlMilliseconds) },
        };
        var request = TestEndpoints.Request();

        balancer.Pick(request, endpoints);

        Assert.True(request.Options.TryGetValue(RingHashLoadBalancer.GeneratedCookie, out var setCookie));
        Assert.Equal(expected, setCookie);
    }

    private static RingHashLoadBalancer Header(MeshEndpoint[] endpoints, IMeshRandom? random = null) =>
        new(endpoints, HashKeySource.Header, "x-user", RingHashLoadBalancer.DefaultMinimumRingSize, "127.0.0.1", random ?? new ScriptedRandom());

    private static HttpRequestMessage WithHeader(string value)
    {
        var request = TestEndpoints.Request();
        request.Headers.Add("x-user", value);
        return request;
    }

    private static string PickAddress(RingHashLoadBalancer balancer, string key) =>
        balancer.Pick(WithHeader(key), TestEndpoints.Create(5)).Address;

    private static string Key(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);
}
