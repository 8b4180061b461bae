using Mesh.Hosting;

namespace Mesh.Hosting.Tests;

/// <summary>The security options (Mesh:ServiceAccount, TrustDomain, Certificates) checked at start, with the messages.</summary>
public sealed class MeshSecurityOptionsValidatorTests
{
    private readonly MeshOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Pass()
    {
        Assert.True(_validator.Validate(null, new MeshOptions { Service = "reviews" }).Succeeded);
    }

    [Fact]
    public void Validate_BadSecurityOptions_EachNamed()
    {
        var options = new MeshOptions
        {
            Service = "reviews",
            ServiceAccount = "bad/account",
            TrustDomain = "Cluster.Local",
            Certificates = { Source = "Vault", LocalCa = { LeafLifetime = TimeSpan.FromSeconds(30) } },
        };

        var failures = _validator.Validate(null, options).Failures!;

        Assert.Contains(failures, f => f.StartsWith("Mesh:TrustDomain 'Cluster.Local' is not a SPIFFE trust domain", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mesh:ServiceAccount (or Mesh:Service, its default) 'bad/account' cannot be part of a SPIFFE ID", StringComparison.Ordinal));
        Assert.Contains("Mesh:Certificates:Source 'Vault' is not a certificate source; use 'LocalCa', 'Files' or 'Consul'.", failures);
        Assert.Contains("Mesh:Certificates:LocalCa:LeafLifetime is 00:00:30; use 2 minutes or more.", failures);
    }

    [Fact]
    public void Validate_FilesWithoutPaths_Named()
    {
        var options = new MeshOptions { Service = "reviews", Certificates = { Source = "files" } };
        Assert.Contains("Mesh:Certificates:Files: set CertificateChain, PrivateKey and CaCertificates, or Directory.", _validator.Validate(null, options).Failures!);
    }

    [Theory]
    [InlineData("Consul", null)]
    [InlineData(null, "Consul")]
    public void Validate_ConsulSourceWithAnotherServiceAccount_RefusedWithTheFix(string? registry, string? source)
    {
        var options = new MeshOptions { Service = "reviews", ServiceAccount = "bookinfo-reviews", Registry = registry ?? "Static", Certificates = { Source = source } };
        var failure = Assert.Single(_validator.Validate(null, options).Failures!, f => f.StartsWith("Mesh:ServiceAccount", StringComparison.Ordinal));
        Assert.StartsWith("Mesh:ServiceAccount 'bookinfo-reviews' is not Mesh:Service 'reviews': with Mesh:Certificates:Source Consul", failure, StringComparison.Ordinal);
        Assert.Contains("set Mesh:Certificates:Source to LocalCa or Files", failure, StringComparison.Ordinal);
        Assert.Equal(registry is not null, failure.Contains("(the default with the Consul registry)", StringComparison.Ordinal));

        // The same account as the service, or another source, passes.
        Assert.True(_validator.Validate(null, new MeshOptions { Service = "reviews", ServiceAccount = "reviews", Registry = "Consul" }).Succeeded);
        Assert.True(_validator.Validate(null, new MeshOptions { Service = "reviews", ServiceAccount = "bookinfo-reviews", Registry = "Consul", Certificates = { Source = "LocalCa" } }).Succeeded);
    }

    [Theory]
    [InlineData("Consul", null, "Consul")]
    [InlineData("Static", null, "LocalCa")]
    [InlineData("Consul", "Files", "Files")]
    public void SourceOf_DefaultFollowsTheRegistry(string registry, string? source, string expected) =>
        Assert.Equal(expected, MeshSecurityFactory.SourceOf(new MeshOptions { Registry = registry, Certificates = { Source = source } }));
}
