using System.Diagnostics.Metrics;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Registry;
using Mesh.Routing;
using Mesh.Telemetry;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Snapshot.Tests;

public sealed class MeshSnapshotProviderTests : IDisposable
{
    private static readonly string V1Config = TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v1 }"));
    private static readonly string V3Config = TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v3 }"));

    private readonly TestMeterFactory _meters = new();

    [Fact]
    public void Constructor_ValidState_FirstSnapshotIsVersion1()
    {
        using var provider = Create(new TestStateSource(V1Config, TestMesh.Reviews));

        Assert.Equal(1, provider.Current.Version);
        Assert.Equal(2, provider.Current.Documents.Count);
        Assert.Equal("10.0.0.1", MeshRouter.Route(provider.Routes, TestMesh.Request("http://reviews:9080/")).Endpoint?.Address);
    }

    [Fact]
    public void Constructor_OptionsGiveTheIdentity()
    {
        var options = new MeshOptions { Service = "productpage", Namespace = "bookinfo", Address = "10.9.9.9", Labels = { ["version"] = "v1" } };

        using var provider = Create(new TestStateSource("", []), options);

        Assert.Equal(new MeshIdentity("productpage", "bookinfo", provider.Current.Identity.Labels, "10.9.9.9"), provider.Current.Identity);
        Assert.Equal("v1", provider.Current.Identity.Labels["version"]);
    }

    [Fact]
    public void Constructor_InvalidConfig_ThrowsListingEveryError()
    {
        var source = new TestStateSource(
            TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", """
                - route:
                  - destination: { host: reviews, subset: v4 }
                    weight: 0
                  - destination: { host: reviews, subset: v1 }
                    weight: 0
                """)),
            TestMesh.Reviews);

        var ex = Assert.Throws<MeshConfigException>(() => Create(source));

        Assert.Equal(["spec.http[0].route[0].destination.subset", "spec.http[0].route"], ex.Errors.Select(e => e.Path));
        Assert.Equal(
            "Mesh config is invalid (2 errors):" + Environment.NewLine +
            "  VirtualService reviews (test.yaml:18): spec.http[0].route[0].destination.subset: 'v4' is not defined by any DestinationRule for host 'reviews' (it defines 'v1', 'v2', 'v3'); define it or fix the name" + Environment.NewLine +
            "  VirtualService reviews (test.yaml:18): spec.http[0].route: weights sum to 0 (0 + 0); with several destinations at least one needs a weight above 0",
            ex.Message);
    }

    [Fact]
    public void Constructor_ParseErrors_ThrowsWithThem()
    {
        ConfigError[] parseErrors =
        [
            new("reviews.yaml", "", "is not valid YAML or JSON at line 3, column 1: boom"),
            new("VirtualService ratings (ratings.yaml:1)", "spec.http[0].rout", "unknown field 'rout'"),
        ];

        var ex = Assert.Throws<MeshConfigException>(() => Create(new TestStateSource([], TestMesh.Reviews, parseErrors)));

        Assert.Equal(parseErrors, ex.Errors);
        Assert.StartsWith("Mesh config is invalid (2 errors):", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_InvalidDocuments_ReturnsFalseAndKeepsTheSnapshot()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        var before = provider.Current;
        var token = provider.GetChangeToken();

        source.State = new TestStateSource(TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v9 }"), TestMesh.Reviews).State;
        var applied = provider.Reload();

        Assert.False(applied);
        Assert.Same(before, provider.Current);
        Assert.Equal(1, provider.Current.Version);

        // The token tells watchers of IMeshStatus that something happened: a rejection, with its errors.
        Assert.True(token.HasChanged);
        Assert.Equal(1, provider.RejectedUpdates);
        Assert.Equal(1, provider.LastRejection?.ConfigVersion);
        Assert.Contains(provider.LastRejection!.Errors, e => e.Message.Contains("'v9'", StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_ParseErrors_ReturnsFalseAndKeepsTheSnapshot()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        var before = provider.Current;

        source.State = new MeshState([], [new ConfigError("bad.yaml", "", "is not valid YAML")], TestMesh.ByService(TestMesh.Reviews));

        Assert.False(provider.Reload());
        Assert.Same(before, provider.Current);
    }

    [Fact]
    public void Reload_SourceThrows_ReturnsFalseAndKeepsTheSnapshot()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        var before = provider.Current;

        source.ReadError = new IOException("registry unreachable");

        Assert.False(provider.Reload());
        Assert.Same(before, provider.Current);
    }

    [Fact]
    public void Reload_Valid_SwapsTheSnapshotAndFiresTheChangeToken()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        var token = provider.GetChangeToken();
        var fired = 0;
        using var registration = token.RegisterChangeCallback(_ => fired++, null);

        source.State = new TestStateSource(V3Config, TestMesh.Reviews).State;
        var applied = provider.Reload();

        Assert.True(applied);
        Assert.Equal(2, provider.Current.Version);
        Assert.Equal("10.0.0.3", MeshRouter.Route(provider.Routes, TestMesh.Request("http://reviews:9080/")).Endpoint?.Address);
        Assert.True(token.HasChanged);
        Assert.Equal(1, fired);
        Assert.False(provider.GetChangeToken().HasChanged); // a fresh token for the next change
    }

    [Fact]
    public void Reload_ValidAfterRejected_AppliesWithAHigherVersion()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        source.State = new TestStateSource(TestMesh.VirtualService("reviews", "[]", "- route:\n  - destination: { host: reviews }"), TestMesh.Reviews).State;
        Assert.False(provider.Reload());

        source.State = new TestStateSource(V3Config, TestMesh.Reviews).State;

        Assert.True(provider.Reload());
        Assert.True(provider.Current.Version > 1);
    }

    [Fact]
    public void SourceChanged_Reloads()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);

        source.State = new TestStateSource(V3Config, TestMesh.Reviews).State;
        source.RaiseChanged();

        Assert.Equal(2, provider.Current.Version);
        Assert.Equal(2, source.Reads);
    }

    [Fact]
    public void Dispose_StopsListeningToTheSource()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        var provider = Create(source);

        provider.Dispose();
        source.RaiseChanged();

        Assert.Equal(1, source.Reads);
    }

    [Fact]
    public void Reload_SameInstances_EndpointStateOutlivesTheSnapshot()
    {
        var source = new TestStateSource(V1Config, TestMesh.Reviews);
        using var provider = Create(source);
        var before = provider.Routes.Clusters["outbound||v1|reviews.default.svc.cluster.local"].Endpoints.Single();
        before.State.OnRequestStart();

        source.State = new TestStateSource(TestMesh.Yaml(TestMesh.ReviewsRule, TestMesh.VirtualService("reviews", "[reviews]", "- route:\n  - destination: { host: reviews, subset: v1 }\n  headers:\n    request:\n      set: { x-v: '2' }")), TestMesh.Reviews).State;
        Assert.True(provider.Reload());
        var after = provider.Routes.Clusters["outbound||v1|reviews.default.svc.cluster.local"].Endpoints.Single();

        Assert.Same(before, after);
        Assert.Equal(1, after.State.ActiveRequests);
    }

    [Fact]
    public void ConfigUpdates_CountedByOutcome()
    {
        var outcomes = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (_meters.Meters.Contains(instrument.Meter) && instrument.Name == "mesh.config.updates")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcomes.Add($"{tag.Value}:{value}");
                }
            }
        });
        listener.Start();
        var source = new TestStateSource(V1Config, TestMesh.Reviews);

        using var provider = Create(source);
        source.ReadError = new IOException("unreachable");
        provider.Reload();
        source.ReadError = null;
        source.State = new TestStateSource(V3Config, TestMesh.Reviews).State;
        provider.Reload();

        Assert.Equal(["applied:1", "rejected:1", "applied:1"], outcomes);
    }

    public void Dispose() => _meters.Dispose();

    private MeshSnapshotProvider Create(TestStateSource source, MeshOptions? options = null) =>
        new(source, Options.Create(options ?? new MeshOptions()), new MeshMetrics(_meters), NullLogger<MeshSnapshotProvider>.Instance, new ScriptedRandom());
}
