using Mesh.Testing;

namespace Mesh.Configuration.Tests;

/// <summary>
/// The config fuzzer on the security kinds: mutations of PeerAuthentication and AuthorizationPolicy documents (Istio's
/// reference examples) end accepted or refused with errors, within the same memory and time bounds as Bookinfo's files.
/// </summary>
public sealed class SecurityDocumentFuzzHostileTests
{
    private const int Inputs = 400;
    private const long MaxAllocatedBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan MaxElapsed = TimeSpan.FromSeconds(5);

    private static readonly string[] Seeds =
    [
        """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: default }
        spec:
          selector: { matchLabels: { app: reviews } }
          mtls: { mode: STRICT }
          portLevelMtls:
            9080: { mode: PERMISSIVE }
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: httpbin, namespace: default }
        spec:
          selector: { matchLabels: { app: reviews } }
          action: ALLOW
          rules:
          - from:
            - source: { principals: ["cluster.local/ns/default/sa/productpage"], namespaces: [default] }
            - source: { ipBlocks: ["10.0.0.0/8", "192.168.1.1"], notIpBlocks: ["10.1.0.0/16"] }
            to:
            - operation: { methods: [GET, POST], paths: ["/info*", "*/ratings", "/exact"], ports: ["9080"] }
            when:
            - key: request.headers[end-user]
              values: [jason, "*son"]
            - key: source.ip
              notValues: ["10.2.0.0/16"]
        """,
        """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: deny-all, namespace: default }
        spec:
          action: DENY
          rules:
          - to:
            - operation: { notPaths: ["/healthz"], hosts: ["reviews*"] }
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: mesh, namespace: istio-system }
        spec: { mtls: { mode: PERMISSIVE } }
        """,
    ];

    [Fact]
    public void Check_EverySeed_Accepted()
    {
        foreach (var seed in Seeds)
        {
            Assert.True(ConfigFuzzer.Check(seed, ConfigFuzzer.BookinfoInstances()).Accepted, seed);
        }
    }

    [Fact]
    public void Check_MutatedSecurityDocuments_AcceptedOrRefusedWithinBounds()
    {
        var fuzzer = new ConfigFuzzer(Seeds, seed: 21);
        var instances = ConfigFuzzer.BookinfoInstances();
        var accepted = 0;
        for (var i = 0; i < Inputs; i++)
        {
            var input = fuzzer.Next();
            ConfigFuzzer.Outcome outcome;
            try
            {
                outcome = ConfigFuzzer.Check(input, instances);
            }
            catch (Exception ex)
            {
                Assert.Fail($"input {i} (seed 21) threw {ex.GetType().Name}: {ex.Message}\n--- input (first 2000 characters) ---\n{input[..Math.Min(input.Length, 2000)]}");
                throw;
            }

            Assert.True(outcome.AllocatedBytes < MaxAllocatedBytes, $"input {i} (seed 21) allocated {outcome.AllocatedBytes} bytes");
            Assert.True(outcome.Elapsed < MaxElapsed, $"input {i} (seed 21) took {outcome.Elapsed}");
            accepted += outcome.Accepted ? 1 : 0;
        }

        Assert.InRange(accepted, 1, Inputs - 1);
    }
}
