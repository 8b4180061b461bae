namespace Mesh.Configuration.Tests;

/// <summary>DestinationRule <c>tls</c> and <c>portLevelSettings</c>: parsed, and validated with Istio's rules (validateTLS).</summary>
public sealed class ClientTlsValidationTests
{
    [Fact]
    public void Parse_AllFields_Read()
    {
        var rule = Assert.IsType<DestinationRule>(Single("""
            tls:
              mode: SIMPLE
              caCertificates: /etc/certs/ca.pem
              subjectAltNames: [reviews.example.com]
              sni: reviews.example.com
            portLevelSettings:
            - port: { number: 9443 }
              tls: { mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem }
            """));

        var policy = rule.Spec.TrafficPolicy!;
        Assert.Equal(new ClientTlsSettings { Mode = "SIMPLE", CaCertificates = "/etc/certs/ca.pem", SubjectAltNames = policy.Tls!.SubjectAltNames, Sni = "reviews.example.com" }, policy.Tls);
        Assert.Equal(["reviews.example.com"], policy.Tls.SubjectAltNames);
        var port = Assert.Single(policy.PortLevelSettings);
        Assert.Equal(9443, port.Port);
        Assert.Equal(("MUTUAL", "/c.pem", "/k.pem"), (port.Tls!.Mode, port.Tls.ClientCertificate, port.Tls.PrivateKey));
        Assert.Empty(MeshConfigValidator.Validate([rule]));
    }

    [Theory]
    [InlineData("tls: { mode: MUTUAL, privateKey: /k.pem }", "spec.trafficPolicy.tls.clientCertificate", "client certificate required for mutual tls")]
    [InlineData("tls: { mode: MUTUAL, clientCertificate: /c.pem }", "spec.trafficPolicy.tls.privateKey", "private key required for mutual tls")]
    [InlineData("tls: { mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem }", "spec.trafficPolicy.tls", "cannot specify caCertificates or subjectAltNames when insecureSkipVerify is set true")]
    [InlineData("tls: { mode: TLS13 }", "spec.trafficPolicy.tls.mode", "'TLS13' is not a mode; use DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL")]
    [InlineData("tls: { mode: ISTIO_MUTUAL, clientCertificate: /c.pem }", "spec.trafficPolicy.tls.clientCertificate", "is not used in mode ISTIO_MUTUAL; remove it")]
    [InlineData("tls: { mode: DISABLE, sni: x }", "spec.trafficPolicy.tls.sni", "is not used in mode DISABLE; remove it")]
    [InlineData("portLevelSettings: [ { port: { number: 9080 } } ]", "spec.trafficPolicy.portLevelSettings[0]", "is empty; set tls (Istio: port traffic policy must have at least one field)")]
    [InlineData("portLevelSettings: [ { tls: { mode: DISABLE } } ]", "spec.trafficPolicy.portLevelSettings[0].port.number", "is required, 1-65535 (Istio: portTrafficPolicy must have valid port)")]
    public void Validate_IstioRules_OneErrorNamingTheField(string policy, string path, string message)
    {
        var error = Assert.Single(MeshConfigValidator.Validate([Single(policy)]));
        Assert.Equal((path, message), (error.Path, error.Message));
    }

    [Fact]
    public void Parse_CaCrl_NotSupportedByName()
    {
        var result = MeshDocumentParser.Parse(Rule("tls: { mode: SIMPLE, caCrl: /crl.pem }"), "dr.yaml");
        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.trafficPolicy.tls.caCrl", error.Path);
        Assert.StartsWith("field 'caCrl' is not supported by Mesh yet", error.Message, StringComparison.Ordinal);
    }

    private static string Rule(string policy) =>
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews }\nspec:\n  host: reviews\n  trafficPolicy:\n" +
        string.Join("\n", policy.Split('\n').Select(l => "    " + l)) + "\n";

    private static MeshDocument Single(string policy)
    {
        var result = MeshDocumentParser.Parse(Rule(policy), "dr.yaml");
        Assert.Empty(result.Errors);
        return Assert.Single(result.Documents);
    }
}
