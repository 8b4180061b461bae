using System.Diagnostics;
using Mesh.Configuration;
using Mesh.Hosting;
using Mesh.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Registry.Static.Tests;

public sealed class StaticRegistryTests : IDisposable
{
    private const string ReviewsRule = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec: { host: reviews }
        """;

    private const string ReviewsService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews }
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: { host: reviews }
        """;

    private const string RatingsRuleJson = """
        { "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": { "name": "ratings" }, "spec": { "host": "ratings" } }
        """;

    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(150);

    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ReadDirectory_YamlYmlAndJsonFiles_ReadInNameOrder()
    {
        var json = _directory.Write("a-ratings.json", RatingsRuleJson);
        var yml = _directory.Write("b-reviews.yml", ReviewsService);
        var yaml = _directory.Write("c-reviews.YAML", ReviewsRule);
        _directory.Write("notes.txt", "kind: VirtualService");
        _directory.Write(".hidden.yaml", "not: [valid");
        Directory.CreateDirectory(Path.Combine(_directory.Path, "sub"));
        _directory.Write(Path.Combine("sub", "nested.yaml"), "not: [valid");

        var (documents, errors, _) = StaticRegistry.ReadDirectory(_directory.Path);

        Assert.Empty(errors);
        Assert.Equal(
            [("DestinationRule", "ratings", json), ("VirtualService", "reviews", yml), ("DestinationRule", "reviews", yaml)],
            documents.Select(d => (d.Kind, d.Metadata.Name, d.Source!.Name)));
    }

    [Fact]
    public void ReadDirectory_BadFiles_ErrorsNameEachFileAndGoodFilesStillRead()
    {
        _directory.Write("good.yaml", ReviewsRule);
        var broken = _directory.Write("broken.yaml", "apiVersion: networking.istio.io/v1\nkind: [VirtualService\n");
        var misspelt = _directory.Write("misspelt.json", """{ "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": { "name": "ratings" }, "spec": { "hots": "ratings" } }""");

        var (documents, errors, _) = StaticRegistry.ReadDirectory(_directory.Path);

        Assert.Equal("reviews", Assert.Single(documents).Metadata.Name);
        Assert.Collection(
            errors,
            e =>
            {
                Assert.Equal(broken, e.Document);
                Assert.StartsWith("is not valid YAML or JSON at line ", e.Message, StringComparison.Ordinal);
            },
            e => Assert.Equal($"DestinationRule ratings ({misspelt}:1)", e.Document),
            e => Assert.Equal(($"DestinationRule ratings ({misspelt}:1)", "spec.hots"), (e.Document, e.Path)));
        Assert.Equal(("spec.host", "is required"), (errors[1].Path, errors[1].Message));
    }

    [Fact]
    public void ReadDirectory_MissingDirectory_OneErrorNamingIt()
    {
        var missing = Path.Combine(_directory.Path, "nope");

        var (documents, errors, _) = StaticRegistry.ReadDirectory(missing);

        Assert.Empty(documents);
        Assert.Equal([new ConfigError(missing, "", "the config directory does not exist")], errors);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ReadDirectory_NoDirectory_NothingAndNoError(string? directory)
    {
        var (documents, errors, _) = StaticRegistry.ReadDirectory(directory);

        Assert.Empty(documents);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_NamedPorts_TargetPortDefaultsToThePort()
    {
        var options = Options();
        options.Static.Services["ratings"] =
        [
            new StaticInstanceOptions
            {
                Port = 51000,
                Ports = { new NamedPortOptions { Name = "grpc-ratings", Port = 9090, TargetPort = 51001 }, new NamedPortOptions { Name = "metrics", Port = 15020 } },
            },
            new StaticInstanceOptions { Port = 52000 },
        ];
        using var registry = Create(options);

        var ratings = registry.Read().Instances[new ServiceKey("ratings", "default")];

        Assert.Equal([new InstancePort("grpc-ratings", 9090, 51001), new InstancePort("metrics", 15020, 15020)], ratings[0].Ports!);
        Assert.Null(ratings[1].Ports);
        Assert.Equal((51001, (int?)null), (ratings[0].TargetPortFor(9090), ratings[0].TargetPortFor(9080)));
    }

    [Fact]
    public void Read_InstancesFromOptions_KeyedByServiceInTheOptionsNamespace()
    {
        var options = Options();
        options.Namespace = "bookinfo";
        options.Static.Services["reviews"] =
        [
            new StaticInstanceOptions { Address = "10.0.0.1", Port = 9080, Labels = { ["version"] = "v1" } },
            new StaticInstanceOptions { Address = "10.0.0.2", Port = 9080, Id = "reviews-v2-abcde" },
        ];
        options.Static.Services["ratings.staging"] = [new StaticInstanceOptions { Port = 9081 }];
        using var registry = Create(options);

        var state = registry.Read();

        var reviews = state.Instances[new ServiceKey("reviews", "bookinfo")];
        Assert.Equal(
            [
                new ServiceInstance(new ServiceKey("reviews", "bookinfo"), "10.0.0.1:9080", "10.0.0.1", 9080, reviews[0].Labels),
                new ServiceInstance(new ServiceKey("reviews", "bookinfo"), "reviews-v2-abcde", "10.0.0.2", 9080, reviews[1].Labels),
            ],
            reviews);
        Assert.Equal("v1", reviews[0].Labels["version"]);
        Assert.Empty(reviews[1].Labels);
        var ratings = Assert.Single(state.Instances[new ServiceKey("ratings", "staging")]);
        Assert.Equal(("127.0.0.1", 9081), (ratings.Address, ratings.Port));
    }

    [Fact]
    public void Read_EveryCall_ReadsTheDirectoryAgain()
    {
        using var registry = Create(Options());
        Assert.Empty(registry.Read().Documents);

        _directory.Write("reviews.yaml", ReviewsRule);

        Assert.Equal("reviews", Assert.Single(registry.Read().Documents).Metadata.Name);
    }

    [Fact]
    public void OptionsChange_ChangedRaisedAfterTheQuietTime()
    {
        var monitor = new TestOptionsMonitor<MeshOptions>(Options());
        using var registry = Create(monitor);
        var changes = 0;
        registry.Changed += () => changes++;

        monitor.Set(Options());
        _time.Advance(Debounce - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, changes);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, changes);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, changes);
    }

    [Fact]
    public void OptionsChange_BurstCoalescedIntoOneChange()
    {
        var monitor = new TestOptionsMonitor<MeshOptions>(Options());
        using var registry = Create(monitor);
        var changes = 0;
        registry.Changed += () => changes++;

        monitor.Set(Options());
        _time.Advance(TimeSpan.FromMilliseconds(100));
        monitor.Set(Options());
        _time.Advance(TimeSpan.FromMilliseconds(100));
        monitor.Set(Options());
        _time.Advance(TimeSpan.FromMilliseconds(149));
        Assert.Equal(0, changes); // each event restarted the quiet time

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, changes);
    }

    [Fact]
    public void OptionsChange_AfterTheFirstChange_NextBurstRaisesAgain()
    {
        var monitor = new TestOptionsMonitor<MeshOptions>(Options());
        using var registry = Create(monitor);
        var changes = 0;
        registry.Changed += () => changes++;

        monitor.Set(Options());
        _time.Advance(Debounce);
        monitor.Set(Options());
        _time.Advance(Debounce);

        Assert.Equal(2, changes);
    }

    [Fact]
    public void Dispose_NoMoreChanges()
    {
        var monitor = new TestOptionsMonitor<MeshOptions>(Options());
        var registry = Create(monitor);
        var changes = 0;
        registry.Changed += () => changes++;
        monitor.Set(Options());

        registry.Dispose();
        monitor.Set(Options());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, changes);
    }

    [Fact]
    public async Task FileWritten_ChangedRaisedAfterTheQuietTime()
    {
        using var registry = Create(Options());
        var changes = 0;
        registry.Changed += () => Interlocked.Increment(ref changes);

        _directory.Write("reviews.yaml", ReviewsRule);

        // The file event arrives on a watcher thread at a time the test does not control; until it has,
        // advancing the fake clock fires nothing. So: advance by the quiet time and look, for up to 10 s.
        var timeout = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref changes) == 0 && clock.Elapsed < timeout)
        {
            _time.Advance(Debounce);
            await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        }

        Assert.True(Volatile.Read(ref changes) > 0, $"waited {timeout.TotalSeconds} s for StaticRegistry.Changed after writing reviews.yaml into the watched directory {_directory.Path}");
        Assert.Equal("reviews", Assert.Single(registry.Read().Documents).Metadata.Name);
    }

    public void Dispose()
    {
        _directory.Dispose();
    }

    private MeshOptions Options() => new() { Static = new StaticRegistryOptions { ConfigDirectory = _directory.Path } };

    private StaticRegistry Create(MeshOptions options) => Create(new TestOptionsMonitor<MeshOptions>(options));

    private StaticRegistry Create(TestOptionsMonitor<MeshOptions> monitor) => new(monitor, _time, NullLogger<StaticRegistry>.Instance);
}
