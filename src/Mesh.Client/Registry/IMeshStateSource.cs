using Mesh.Configuration;

namespace Mesh.Registry;

/// <summary>A registry: where documents and instances come from, and a signal when either changes.</summary>
internal interface IMeshStateSource
{
    /// <summary>Raised after the source's state changed; the provider then reads and recompiles.</summary>
    event Action? Changed;

    /// <summary>Reads the current documents (with every parse error) and instances.</summary>
    MeshState Read();

    /// <summary>Connects and loads the first state; called once at host start, before the first <see cref="Read"/>.</summary>
    Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads the instances of a service that <see cref="MeshState.ColdServices"/> listed, and keeps them current from then on.</summary>
    Task WarmAsync(ServiceKey service, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Whether the source learns of services only when they are called (xDS: a listener per target), so that a host
    /// the snapshot does not know is asked for with <see cref="DiscoverAsync"/> before it passes through unrouted.
    /// </summary>
    bool DiscoversOnCall => false;

    /// <summary>Subscribes to the service a caller names by <paramref name="authority"/> (<c>reviews:9080</c>) and waits until it is known or known not to exist; false when it does not exist.</summary>
    Task<bool> DiscoverAsync(string authority, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>Told the state that was compiled and put in force, so a source can persist the last good state.</summary>
    void Applied(MeshState state)
    {
    }
}

/// <summary>
/// The raw state of a registry: documents, errors found parsing them, instances by service, and the
/// services known to exist whose instances are not loaded yet (loaded on first call).
/// </summary>
internal sealed record MeshState(
    IReadOnlyList<MeshDocument> Documents,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyDictionary<ServiceKey, IReadOnlyList<ServiceInstance>> Instances)
{
    public IReadOnlySet<ServiceKey> ColdServices { get; init; } = new HashSet<ServiceKey>();

    /// <summary>Gets the routes and clusters when the source delivers them already compiled (xDS), or null when the snapshot compiler builds them from the documents.</summary>
    public CompiledState? Compiled { get; init; }

    /// <summary>Gets the documents' source texts by key, where the source keeps them (Consul KV), for persisting the state.</summary>
    public IReadOnlyList<(string Key, string Text)> ConfigTexts { get; init; } = [];
}
