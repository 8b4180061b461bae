namespace Mesh.Hosting;

/// <summary>The static registry: instances listed in configuration, documents in a directory of files.</summary>
public sealed class StaticRegistryOptions
{
    /// <summary>Gets or sets the directory whose *.yaml, *.yml and *.json files are the mesh config; reloaded when a file changes. A directory that does not exist fails the start.</summary>
    /// <value>Null: no documents (round robin over every instance).</value>
    public string? ConfigDirectory { get; set; }

    /// <summary>Gets or sets the instances of each service, by service name (<c>reviews</c>, or <c>reviews.other-namespace</c>).</summary>
    /// <value>Empty.</value>
    public Dictionary<string, List<StaticInstanceOptions>> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
