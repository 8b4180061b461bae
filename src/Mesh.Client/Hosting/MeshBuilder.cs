using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Hosting;

internal sealed class MeshBuilder(IServiceCollection services) : IMeshBuilder
{
    public IServiceCollection Services { get; } = services;
}
