using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Registry.Consul;
using Mesh.Tests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Mesh.Client.Tests.Registry.Consul;

public sealed class ConsulCertificateProviderTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(5);
    private readonly TestTimeProvider _time = new();
    private readonly FakeConsulConnect _consul;
    private readonly FakeLogger _logs = new();

    public ConsulCertificateProviderTests() => _consul = new FakeConsulConnect(_time);

    public void Dispose() => _consul.Dispose();

    [Fact]
    public void Parse_LeafAndRoots_ConsulsIdentityKeyAndTrustDomain()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(72));
        var credentials = ConsulCertificateProvider.Parse(Leaf(), Roots());

        Assert.True(credentials.Certificate.HasPrivateKey); // from EC PRIVATE KEY
        Assert.Empty(credentials.Intermediates);
        Assert.Single(credentials.Roots);
        Assert.Equal(FakeConsulConnect.TrustDomain, credentials.TrustDomain);
        Assert.Equal($"spiffe://{FakeConsulConnect.TrustDomain}/ns/default/dc/dc1/svc/web", credentials.Identity!.Uri);
        Assert.True(credentials.Identity.IsConsul);
        Assert.Equal("web", credentials.Identity.ServiceAccount);
    }

    [Fact]
    public void Parse_AfterRootRotation_ChainOfTwoAndBothRootsTrusted()
    {
        _consul.RotateRoot();
        _consul.IssueLeaf("web", TimeSpan.FromHours(72));
        var credentials = ConsulCertificateProvider.Parse(Leaf(), Roots());

        var intermediate = Assert.Single(credentials.Intermediates);
        Assert.Equal(credentials.Certificate.IssuerName.Name, intermediate.SubjectName.Name); // the new root's name, cross-signed
        Assert.NotEqual(intermediate.SubjectName.Name, intermediate.IssuerName.Name);
        Assert.Equal(2, credentials.Roots.Count);

        // The chain sent verifies against the old root alone, as a peer that has not seen the rotation has it.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(credentials.Roots[0]);
        chain.ChainPolicy.ExtraStore.AddRange(credentials.Intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        Assert.True(chain.Build(credentials.Certificate), string.Join(", ", chain.ChainStatus.Select(s => s.Status)));
    }

    [Fact]
    public void Parse_BadAnswers_SayWhatIsWrong()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(72));
        var leaf = Leaf();
        var roots = Roots();

        Assert.Contains("holds no certificate in CertPEM", Assert.Throws<FormatException>(() => ConsulCertificateProvider.Parse(leaf with { CertPEM = "" }, roots)).Message, StringComparison.Ordinal);
        Assert.Contains("do not load together", Assert.Throws<FormatException>(() => ConsulCertificateProvider.Parse(leaf with { PrivateKeyPEM = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n" }, roots)).Message, StringComparison.Ordinal);
        Assert.Contains("no root certificate", Assert.Throws<FormatException>(() => ConsulCertificateProvider.Parse(leaf, roots with { Roots = [] })).Message, StringComparison.Ordinal);
        Assert.Contains("is not in the trust domain of the roots, 'aaaa.consul'", Assert.ThrowsAny<FormatException>(() => ConsulCertificateProvider.Parse(leaf, roots with { TrustDomain = "aaaa.consul" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_LoadsThenFollowsRenewalAndRotation_ByBlockingQuery()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        using var provider = Create();
        await Eventually.CompletesAsync(provider.Ready.ContinueWith(_ => true, TestContext.Current.CancellationToken), "the first credentials");
        var first = provider.Current;
        Assert.Equal("web", first.Identity!.ServiceAccount);
        var changes = new List<MeshCredentialsView>();
        provider.Changed += c => changes.Add(new(c.Certificate.SerialNumber, c.Intermediates.Count, c.Roots.Count));

        // Both queries now block on their index.
        await Eventually.WaitAsync(() => _consul.Requests.Count(r => r.Index == _consul.LeafIndex && r.Path.Contains("leaf", StringComparison.Ordinal)) == 1, "a blocking leaf query");

        // Consul renews the leaf before it expires (at 60-90 % of its life): the blocking query returns it, published at once.
        _time.Advance(TimeSpan.FromMinutes(40));
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        await Eventually.WaitAsync(() => changes.Count == 1, "the renewed leaf");
        Assert.NotEqual(first.Certificate.SerialNumber, provider.Current.Certificate.SerialNumber);
        Assert.True(provider.Current.NotAfter > first.NotAfter);

        // A root rotation: the roots query returns both roots, the leaf query the new leaf with the cross-signed intermediate.
        _consul.RotateRoot();
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        await Eventually.WaitAsync(() => provider.Current is { Intermediates.Count: 1, Roots.Count: 2 }, "the rotated leaf and both roots");
        Assert.Contains(_logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.ConsulCertificateRenewed);
        Assert.DoesNotContain(_logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Provider_NotRenewed_WarnsAt90Percent_KeepsTheCertificate_ErrorAtExpiry()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        using var provider = Create();
        await provider.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var first = provider.Current;
        _consul.Down = true;
        _consul.Signal(); // the blocking queries fail: an outage

        // Life is 61 min (Consul back-dates ValidAfter 1 min): 90 % is at 54.9 min after the start.
        for (var i = 0; i < 56; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        var warning = Assert.Single(_logs.Collector.GetSnapshot(), r => r.Id.Id == Telemetry.MeshEventIds.ConsulCertificateNotRenewed);
        Assert.Contains("is unreachable", warning.Message, StringComparison.Ordinal);
        Assert.Same(first, provider.Current);

        _time.Advance(TimeSpan.FromMinutes(6));
        await Eventually.WaitAsync(() => _logs.Collector.GetSnapshot().Any(r => r.Id.Id == Telemetry.MeshEventIds.ConsulCertificateExpired), "the expiry error");
        Assert.Same(first, provider.Current);

        // Consul answers again with a new leaf: in force.
        _consul.Down = false;
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        for (var i = 0; i < 40 && ReferenceEquals(provider.Current, first); i++)
        {
            _time.Advance(TimeSpan.FromSeconds(15)); // the backoff's cap
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.NotSame(first, provider.Current);
    }

    [Fact]
    public async Task Provider_IndexGoesBackwards_ReadsAgainWithoutIndex()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(1), index: 50);
        using var provider = Create();
        await provider.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => LeafIndexes().Contains(50ul), "a blocking leaf query on index 50");

        // The agent lost its state: its index is now 3, below ours.
        _consul.ResetIndexes(3);
        await Eventually.WaitAsync(() => LeafIndexes().Contains(3ul), "a blocking leaf query on the new index 3");
        var indexes = LeafIndexes();
        Assert.Equal([0ul, 50ul, 0ul, 3ul], indexes.Take(4));
    }

    [Fact]
    public async Task Provider_Errors_BackOffWithJitter_KeepCurrent()
    {
        _consul.IssueLeaf("web", TimeSpan.FromHours(1));
        using var provider = Create();
        await provider.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var first = provider.Current;
        await Eventually.WaitAsync(() => LeafIndexes().Count == 2, "a blocking leaf query");
        _consul.Error = (HttpStatusCode.InternalServerError, "rpc error: No cluster leader");
        _consul.Signal();

        for (var i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        // The blocking query the signal released may ask again at once (an answer, not yet an error, depending on which it
        // met first); the backoff is judged from the last request at that first instant on.
        var failed = _consul.Requests.Where(r => r.Path.Contains("leaf", StringComparison.Ordinal)).Skip(2).Select(r => r.At).ToList();
        while (failed.Count > 1 && failed[1] == failed[0])
        {
            failed.RemoveAt(0);
        }

        Assert.True(failed.Count is >= 4 and <= 10, $"{failed.Count} leaf requests in 15 s of errors: {string.Join(", ", failed.Select(a => a.ToString("mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}");
        var gaps = failed.Zip(failed.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.True(g >= TimeSpan.FromMilliseconds(125), $"gap {g}"));
        Assert.True(gaps[^1] > gaps[0], $"the backoff grows: {string.Join(", ", gaps)}");
        Assert.Same(first, provider.Current);
        // Said once per query (the leaf's and the roots'), not at every retry.
        Assert.Equal(2, _logs.Collector.GetSnapshot().Count(r => r.Id.Id == Telemetry.MeshEventIds.ConsulCertificateRefused && r.Message.Contains("No cluster leader", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Provider_ConnectDisabled_ReadyFailsWithTheFix()
    {
        _consul.Error = (HttpStatusCode.InternalServerError, "Connect must be enabled in order to use this endpoint");
        using var provider = Create();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Contains("has Connect disabled", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mesh:Certificates:Source to LocalCa or Files", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => provider.Current);
    }

    private List<ulong> LeafIndexes() => _consul.Requests.Where(r => r.Path.Contains("leaf", StringComparison.Ordinal)).Select(r => r.Index).ToList();

    private ConsulCertificateProvider Create() =>
        new(new ConsulClient(new HttpClient(_consul, disposeHandler: false) { BaseAddress = new Uri("http://consul:8500/") }), "web", Wait, _time, _logs);

    private ConnectLeaf Leaf() => JsonSerializer.Deserialize(_consul.LeafJson, ConsulJsonContext.Default.ConnectLeaf)!;

    private ConnectRoots Roots() => JsonSerializer.Deserialize(_consul.RootsJson(), ConsulJsonContext.Default.ConnectRoots)!;

    private sealed record MeshCredentialsView(string Serial, int Intermediates, int Roots);
}
