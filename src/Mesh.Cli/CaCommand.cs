using Mesh.Security;

namespace Mesh.Cli;

/// <summary>
/// <c>meshctl ca status|rotate|prune [DIR]</c>: the local CA that Mesh.Client's default certificate source keeps per user
/// (DIR defaults to that directory). <c>rotate</c> adds a root that every process trusts at its next check and that starts
/// signing 2 minutes later (each process then issues itself a new certificate from it); the old root stays trusted (the
/// overlap). <c>prune</c> removes the roots older than the signer, ending the overlap: run it once every process has
/// renewed from the new root.
/// </summary>
internal static class CaCommand
{
    public static int Run(CommandLine line, TextWriter stdout, TextWriter stderr)
    {
        if (line.Positional.Count is < 1 or > 2)
        {
            return MeshCtl.Fail(stderr, "ca: usage: meshctl ca status|rotate|prune [DIR]");
        }

        var directory = line.Positional.Count == 2 ? line.Positional[1] : LocalCa.DefaultDirectory;
        switch (line.Positional[0])
        {
            case "status":
                if (!HasCa(directory))
                {
                    stdout.WriteLine($"no local CA in {directory} (a mesh process creates it on first use)");
                    return MeshCtl.Ok;
                }

                Print(LocalCa.Open(directory, TimeProvider.System), stdout);
                return MeshCtl.Ok;
            case "rotate":
                var number = LocalCa.Rotate(directory, TimeProvider.System);
                stdout.WriteLine($"root {number} created in {directory}; trusted at each process's next check, signing from {LocalCa.DefaultActivationDelay.TotalMinutes:0} minutes from now; the previous roots stay trusted until 'meshctl ca prune'.");
                Print(LocalCa.Open(directory, TimeProvider.System), stdout);
                return MeshCtl.Ok;
            case "prune":
                if (!HasCa(directory))
                {
                    return MeshCtl.Fail(stderr, $"ca prune: no local CA in {directory}");
                }

                var removed = LocalCa.Prune(directory, TimeProvider.System);
                stdout.WriteLine(removed.Count == 0 ? "nothing to prune: no root is older than the signing one." : $"removed root(s) {string.Join(", ", removed)}.");
                return MeshCtl.Ok;
            default:
                return MeshCtl.Fail(stderr, $"ca: unknown subcommand '{line.Positional[0]}'; use status, rotate or prune");
        }
    }

    private static bool HasCa(string directory) => Directory.Exists(directory) && Directory.EnumerateFiles(directory, "root-*.pem").Any();

    private static void Print(LocalCa ca, TextWriter stdout)
    {
        var signer = ca.SignerAt(TimeProvider.System.GetUtcNow()).Number;
        foreach (var root in ca.Roots)
        {
            var certificate = root.Certificate;
            stdout.WriteLine($"root {root.Number}{(root.Number == signer ? " (signing)" : "")}: {certificate.Subject}, SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}, valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}");
        }
    }
}
