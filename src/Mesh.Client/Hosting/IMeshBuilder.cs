using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Hosting;

/// <summary>Returned by <c>AddMesh()</c>; mesh features hang off it.</summary>
public interface IMeshBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
