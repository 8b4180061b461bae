using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>Fills in an instance id as Kubernetes names pods: <c>reviews-v2-7f9c4</c>.</summary>
internal sealed class MeshOptionsPostConfigure : IPostConfigureOptions<MeshOptions>
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public void PostConfigure(string? name, MeshOptions options)
    {
        if (!string.IsNullOrEmpty(options.InstanceId))
        {
            return;
        }

        var suffix = string.Create(5, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Snapshot.SharedMeshRandom.Instance.Next(Alphabet.Length)];
            }
        });
        var version = options.Labels.TryGetValue("version", out var v) ? $"-{v}" : "";
        options.InstanceId = $"{(options.Service.Length > 0 ? options.Service : "workload")}{version}-{suffix}";
    }
}
