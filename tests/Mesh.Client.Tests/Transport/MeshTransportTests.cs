using Mesh.Configuration;
using Mesh.Tests;

namespace Mesh.Transport.Tests;

public sealed class MeshTransportTests
{
    [Fact]
    public void For_NoConnectionSettings_TheSharedDefault()
    {
        Assert.Same(TransportSettings.Default, TransportSettings.For("c", null, 2));
        Assert.Same(TransportSettings.Default, TransportSettings.For("c", new ConnectionPoolSettings { Http = new HttpSettings { Http2MaxRequests = 10 } }, 2));
    }

    [Fact]
    public void For_MaxConnections_SharedOutOverEndpointsRoundedUp_AndOwnedByTheCluster()
    {
        // Envoy bounds the cluster; SocketsHttpHandler bounds each server: 10 over 3 endpoints is 4 each.
        var settings = TransportSettings.For("c", new ConnectionPoolSettings { Tcp = new TcpSettings { MaxConnections = 10, ConnectTimeout = TimeSpan.FromSeconds(2) } }, 3);

        Assert.Equal(new TransportSettings(TimeSpan.FromSeconds(2), 4, null, "c"), settings);
    }

    [Fact]
    public void For_MaxConnectionsNearIntMax_NoOverflow()
    {
        var settings = TransportSettings.For("c", new ConnectionPoolSettings { Tcp = new TcpSettings { MaxConnections = int.MaxValue } }, 2);

        Assert.Equal(1_073_741_824, settings.MaxConnectionsPerServer);
    }

    [Fact]
    public void Acquire_EqualSettings_OnePool_ReleasedByTheLastUserOnly()
    {
        var factory = new TestTransportFactory(new RecordingHandler());
        using var pool = new MeshTransportPool(factory);
        var settings = new TransportSettings(TimeSpan.FromSeconds(1), null, null);

        var first = pool.Acquire(settings);
        var second = pool.Acquire(settings with { });
        var other = pool.Acquire(settings with { ConnectTimeout = TimeSpan.FromSeconds(2) });

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        pool.Release(first);
        Assert.False(first.IsRetired);
        pool.Release(second);
        Assert.True(first.IsDisposed);
        Assert.False(other.IsDisposed);
    }

    [Fact]
    public void Retire_RequestsInFlight_DisposedWhenTheLastFinishes()
    {
        var factory = new TestTransportFactory(new RecordingHandler());
        using var pool = new MeshTransportPool(factory);
        var transport = pool.Acquire(TransportSettings.Default);
        Assert.True(transport.TryEnter());
        Assert.True(transport.TryEnter());

        pool.Release(transport);

        Assert.True(transport.IsRetired);
        Assert.False(transport.TryEnter());
        transport.Exit();
        Assert.False(transport.IsDisposed);
        transport.Exit();
        Assert.True(transport.IsDisposed);
        Assert.True(Assert.Single(factory.Created).IsDisposed);
    }

    [Fact]
    public async Task Retire_RacingRequests_DisposedExactlyOnceAfterTheLast()
    {
        for (var round = 0; round < 200; round++)
        {
            var factory = new TestTransportFactory(new RecordingHandler());
            using var pool = new MeshTransportPool(factory);
            var transport = pool.Acquire(TransportSettings.Default);
            using var start = new ManualResetEventSlim();
            var entered = 0;
            var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.Wait(TestContext.Current.CancellationToken);
                for (var i = 0; i < 100; i++)
                {
                    if (!transport.TryEnter())
                    {
                        return;
                    }

                    Interlocked.Increment(ref entered);
                    Assert.False(transport.IsDisposed); // never disposed under a request
                    transport.Exit();
                }
            })).ToArray();
            start.Set();
            pool.Release(transport);
            await Task.WhenAll(workers);

            Assert.True(transport.IsDisposed, $"round {round}: retired and idle, so disposed");
            Assert.Equal(0, transport.InFlight);
        }
    }

    [Fact]
    public void CreateHandler_ExplicitSettings()
    {
        using var handler = SocketsTransportFactory.CreateHandler(new TransportSettings(TimeSpan.FromMilliseconds(250), 7, TimeSpan.FromSeconds(45)));

        Assert.Equal(
            (TimeSpan.FromMilliseconds(250), 7, TimeSpan.FromSeconds(45), false, false, false, true),
            (handler.ConnectTimeout, handler.MaxConnectionsPerServer, handler.PooledConnectionIdleTimeout, handler.UseCookies, handler.AllowAutoRedirect, handler.UseProxy, handler.EnableMultipleHttp2Connections));
    }

    [Fact]
    public void CreateHandler_UnsetSettings_Defaults()
    {
        using var handler = SocketsTransportFactory.CreateHandler(TransportSettings.Default);

        Assert.Equal((TimeSpan.FromSeconds(10), int.MaxValue, TimeSpan.FromHours(1)), (handler.ConnectTimeout, handler.MaxConnectionsPerServer, handler.PooledConnectionIdleTimeout));
    }
}
