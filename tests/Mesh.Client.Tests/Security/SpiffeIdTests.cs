using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.Client.Tests.Security;

public sealed class SpiffeIdTests
{
    [Fact]
    public void IstioFormGivesNamespaceServiceAccountAndPrincipal()
    {
        var id = SpiffeId.Parse("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");

        Assert.Equal("cluster.local", id.TrustDomain);
        Assert.Equal("default", id.Namespace);
        Assert.Equal("bookinfo-reviews", id.ServiceAccount);
        Assert.False(id.IsConsul);
        Assert.Equal("cluster.local/ns/default/sa/bookinfo-reviews", id.Principal);
    }

    [Fact]
    public void ConsulFormMapsTheServiceToTheServiceAccount()
    {
        var id = SpiffeId.Parse("spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/ratings");

        Assert.True(id.IsConsul);
        Assert.Equal("default", id.Namespace);
        Assert.Equal("ratings", id.ServiceAccount);
        Assert.Equal("11111111-2222-3333-4444-555555555555.consul/ns/default/sa/ratings", id.Principal);
    }

    [Theory]
    [InlineData("https://cluster.local/ns/a/sa/b", "does not start with spiffe://")]
    [InlineData("spiffe:///ns/a", "trust domain is empty")]
    [InlineData("spiffe://Cluster.Local/ns/a", "holds 'C'")]
    [InlineData("spiffe://cluster.local/ns//sa/b", "empty, '.' or '..' segment")]
    [InlineData("spiffe://cluster.local/ns/../sa/b", "empty, '.' or '..' segment")]
    [InlineData("spiffe://cluster.local/ns/a?x=1", "holds '?'")]
    [InlineData("spiffe://cluster.local:443/ns/a", "holds ':'")]
    public void RejectsWhatTheStandardForbidsAndSaysWhy(string text, string reason)
    {
        Assert.False(SpiffeId.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains(reason, Assert.Throws<FormatException>(() => SpiffeId.Parse(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsTheUriNameOfACertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=reviews", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("reviews.default.svc");
        san.AddUri(new Uri("spiffe://cluster.local/ns/default/sa/bookinfo-reviews"));
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

        Assert.Equal(["spiffe://cluster.local/ns/default/sa/bookinfo-reviews"], CertificateIdentity.GetUriNames(certificate));
        Assert.Equal("cluster.local/ns/default/sa/bookinfo-reviews", CertificateIdentity.GetSpiffeId(certificate)?.Principal);
    }

    [Fact]
    public void ACertificateWithTwoSpiffeNamesHasNoIdentity()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://cluster.local/ns/default/sa/a"));
        san.AddUri(new Uri("spiffe://cluster.local/ns/default/sa/b"));
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

        Assert.Equal(2, CertificateIdentity.GetUriNames(certificate).Count);
        Assert.Null(CertificateIdentity.GetSpiffeId(certificate));
    }
}
