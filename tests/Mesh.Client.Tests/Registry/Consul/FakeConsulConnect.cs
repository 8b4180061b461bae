using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Mesh.Client.Tests.Registry.Consul;

/// <summary>
/// Consul's agent Connect CA endpoints as an HTTP handler on a fake clock: a CA (EC P-256 roots with Consul's URI SAN) that
/// issues leaves in Consul's form, blocking queries that return when their index is behind or the data changes, else
/// after <c>wait</c> on the fake clock; root rotation with a cross-signed intermediate, as Consul 1.8 does; outages.
/// </summary>
internal sealed class FakeConsulConnect : HttpMessageHandler
{
    public const string ClusterId = "11111111-2222-3333-4444-555555555555";
    public const string TrustDomain = ClusterId + ".consul";

    private readonly TimeProvider _time;
    private readonly List<(X509Certificate2 Certificate, ECDsa Key, string? CrossSigned)> _roots = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeConsulConnect(TimeProvider time)
    {
        _time = time;
        AddRoot();
    }

    /// <summary>Gets every request: path, the index it sent, and the fake time it was made at.</summary>
    public ConcurrentQueue<(string Path, ulong Index, DateTimeOffset At)> Requests { get; } = new();

    public ulong RootsIndex { get; private set; } = 10;

    public ulong LeafIndex { get; private set; } = 20;

    public string LeafJson { get; private set; } = "";

    /// <summary>Gets or sets a value indicating whether requests fail as a dead agent's do (connection refused).</summary>
    public volatile bool Down;

    /// <summary>Gets or sets the status and body every request is answered with instead (a Consul error), or null.</summary>
    public (HttpStatusCode Status, string Body)? Error { get; set; }

    /// <summary>Issues a leaf for <paramref name="service"/> valid <paramref name="lifetime"/> from now, signed by the newest root.</summary>
    public void IssueLeaf(string service, TimeSpan lifetime, ulong? index = null)
    {
        var (root, rootKey, crossSigned) = _roots[^1];
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={service}.svc.default.11111111.consul", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri($"spiffe://{TrustDomain}/ns/default/dc/dc1/svc/{service}"));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2"), new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = _time.GetUtcNow();
        var serial = (byte)(LeafIndex + 1);
        using var leaf = request.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), now.AddMinutes(-1), now + lifetime, [serial]);
        var pem = leaf.ExportCertificatePem() + "\n" + (crossSigned ?? "");
        LeafIndex = index ?? LeafIndex + 1;
        LeafJson = JsonSerializer.Serialize(new
        {
            SerialNumber = serial.ToString("x2", CultureInfo.InvariantCulture),
            CertPEM = pem,
            PrivateKeyPEM = key.ExportECPrivateKeyPem(),
            Service = service,
            ServiceURI = $"spiffe://{TrustDomain}/ns/default/dc/dc1/svc/{service}",
            ValidAfter = now.AddMinutes(-1),
            ValidBefore = now + lifetime,
            CreateIndex = LeafIndex,
            ModifyIndex = LeafIndex,
        });
        Signal();
    }

    /// <summary>Rotates the CA as Consul does when a new PrivateKey is set: a new root, cross-signed by the old, both listed.</summary>
    public void RotateRoot()
    {
        AddRoot();
        RootsIndex++;
        Signal();
    }

    /// <summary>Makes the agent's indexes start over below the ones the client holds (an agent that lost its state).</summary>
    public void ResetIndexes(ulong leafIndex)
    {
        LeafIndex = leafIndex;
        var json = JsonDocument.Parse(LeafJson).RootElement;
        LeafJson = LeafJson.Replace($"\"ModifyIndex\":{json.GetProperty("ModifyIndex").GetUInt64()}", $"\"ModifyIndex\":{leafIndex}", StringComparison.Ordinal);
        Signal();
    }

    public string RootsJson() => JsonSerializer.Serialize(new
    {
        ActiveRootID = Id(_roots[^1].Certificate),
        TrustDomain,
        Roots = _roots.Select((r, i) => new
        {
            ID = Id(r.Certificate),
            Name = "Consul CA Root Cert",
            RootCert = r.Certificate.ExportCertificatePem(),
            IntermediateCerts = r.CrossSigned is null ? null : new[] { r.CrossSigned },
            Active = i == _roots.Count - 1,
        }),
    });

    public void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
        var index = ulong.Parse(query["index"] ?? "0", CultureInfo.InvariantCulture);
        Requests.Enqueue((path, index, _time.GetUtcNow()));
        if (Down)
        {
            throw new HttpRequestException("Connection refused (consul:8500)");
        }

        if (Error is { } error)
        {
            return new HttpResponseMessage(error.Status) { Content = new StringContent(error.Body) };
        }

        var isRoots = path == "/v1/agent/connect/ca/roots";
        var changed = Volatile.Read(ref _changed).Task;
        var current = isRoots ? RootsIndex : LeafIndex;
        if (index > 0 && index >= current)
        {
            var wait = query["wait"] is { } w ? TimeSpan.FromMilliseconds(double.Parse(w.TrimEnd('m', 's'), CultureInfo.InvariantCulture)) : TimeSpan.FromMinutes(5);
            await Task.WhenAny(changed, Task.Delay(wait, _time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (Down)
            {
                throw new HttpRequestException("Connection reset by peer");
            }
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(isRoots ? RootsJson() : LeafJson, Encoding.UTF8, "application/json"),
        };
        response.Headers.Add("X-Consul-Index", (isRoots ? RootsIndex : LeafIndex).ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private static string Id(X509Certificate2 certificate) => certificate.GetCertHashString();

    private void AddRoot()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedName($"CN=pri-{_roots.Count}.consul.ca.11111111.consul");
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri($"spiffe://{TrustDomain}"));
        request.CertificateExtensions.Add(san.Build());
        var now = _time.GetUtcNow();
        var root = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        string? crossSigned = null;
        if (_roots.Count > 0)
        {
            // The new root's name and key, signed by the old root: peers that trust only the old root verify new leaves.
            var (old, oldKey, _) = _roots[^1];
            using var cross = request.Create(old.SubjectName, X509SignatureGenerator.CreateForECDsa(oldKey), now.AddDays(-1), now.AddDays(7), [(byte)(_roots.Count + 100)]);
            crossSigned = cross.ExportCertificatePem();
        }

        _roots.Add((root, key, crossSigned));
    }
}
