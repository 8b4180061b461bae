using Mesh.Cli;
using Mesh.Security;
using Mesh.Tests;

namespace Mesh.Client.Tests.Cli;

/// <summary><c>meshctl ca status|rotate|prune DIR</c> on a local CA directory.</summary>
public sealed class MeshCtlCaTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Ca => Path.Combine(_directory.Path, "ca");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Status_NoCa_SaysSo()
    {
        var (code, output, _) = Run("ca", "status", Ca);
        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains("no local CA in", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotate_AddsASecondRoot_PruneKeepsTheNewOneWhileItIsNotSigningYet()
    {
        LocalCa.Open(Ca, TimeProvider.System);

        var (code, output, _) = Run("ca", "rotate", Ca);
        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains("root 2 created", output, StringComparison.Ordinal);
        Assert.Contains("root 1 (signing)", output, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Ca, "root-*.pem").Length);

        // Root 2 signs only after the activation delay: nothing is older than the signer yet.
        (code, output, _) = Run("ca", "prune", Ca);
        Assert.Equal(MeshCtl.Ok, code);
        Assert.Contains("nothing to prune", output, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Ca, "root-*.pem").Length);
    }

    [Fact]
    public void UnknownSubcommand_Fails()
    {
        var (code, _, error) = Run("ca", "renew", Ca);
        Assert.Equal(MeshCtl.Invalid, code);
        Assert.Contains("unknown subcommand 'renew'", error, StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = MeshCtl.Run(args, new StringReader(""), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
