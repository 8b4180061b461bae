namespace Mesh.Security;

/// <summary>
/// A source of the workload's certificate and the mesh's trusted roots (Istio's SDS, as a library): the local CA, PEM
/// files, and next Consul Connect's CA. <see cref="Current"/> is a field read, so a handshake never waits on the source;
/// the source loads before it is first read (its constructor or start), renews on its own timer (a
/// <see cref="TimeProvider"/>) and publishes each new credential set, then raises <see cref="Changed"/>. A failed
/// renewal keeps the current credentials and says why in the log.
/// </summary>
internal interface IMeshCertificateProvider : IDisposable
{
    /// <summary>Gets the source's name as configured (<c>LocalCa</c>, <c>Files</c>, <c>Consul</c>).</summary>
    string Name { get; }

    /// <summary>Gets the credentials in force now.</summary>
    MeshCredentials Current { get; }

    /// <summary>Gets the credentials in force now, or null while a source that loads in the background has none yet; never waits.</summary>
    MeshCredentials? Loaded => Current;

    /// <summary>Raised after new credentials were published (a renewal, a root rotation, a reload).</summary>
    event Action<MeshCredentials>? Changed;
}
