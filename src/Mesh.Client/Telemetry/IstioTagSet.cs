namespace Mesh.Telemetry;

/// <summary>
/// The 20 labels of an Istio request metric that are fixed for a pair of peers (reporter, source and destination),
/// built once per pair; a measurement adds the five that vary (protocol, response code, gRPC status, flags,
/// security policy) in a per-thread buffer, so recording allocates nothing.
/// </summary>
internal sealed class IstioTagSet
{
    /// <summary>The number of labels fixed per pair of peers.</summary>
    public const int FixedCount = 20;

    /// <summary>The number of labels in a measurement.</summary>
    public const int Count = FixedCount + 5;

    [ThreadStatic]
    private static KeyValuePair<string, object?>[]? _buffer;

    private readonly KeyValuePair<string, object?>[] _fixed;

    private IstioTagSet(KeyValuePair<string, object?>[] tags, MeshWorkload destination, string? subset)
    {
        _fixed = tags;
        Destination = destination;
        Subset = subset;
    }

    /// <summary>Gets the destination workload these labels name.</summary>
    public MeshWorkload Destination { get; }

    /// <summary>Gets the destination subset, or null.</summary>
    public string? Subset { get; }

    /// <summary>Gets the destination service's FQDN.</summary>
    public string DestinationService => (string)_fixed[14].Value!;

    /// <summary>Labels as the client reports them (reporter=source): the local workload calling a service's subset.</summary>
    public static IstioTagSet ForClient(MeshWorkload local, string serviceName, string serviceNamespace, string? subset) =>
        Build(IstioLabels.ReporterSource, local, IstioLabels.Unknown, new MeshWorkload(serviceName, serviceNamespace, serviceName, subset), IstioLabels.Unknown, subset);

    /// <summary>Labels as the server reports them (reporter=destination): a caller, known by its principal and namespace if at all, calling the local workload.</summary>
    public static IstioTagSet ForServer(MeshWorkload local, string? sourcePrincipal, string? sourceNamespace) =>
        Build(IstioLabels.ReporterDestination, new MeshWorkload("", sourceNamespace ?? IstioLabels.Unknown, null, null), sourcePrincipal ?? IstioLabels.Unknown, local, IstioLabels.Unknown, local.Version);

    private static IstioTagSet Build(string reporter, MeshWorkload source, string sourcePrincipal, MeshWorkload destination, string destinationPrincipal, string? subset)
    {
        string[] values =
        [
            reporter, source.Workload, source.Namespace, sourcePrincipal, source.AppOrUnknown, source.VersionOrUnknown, IstioLabels.Unknown,
            source.CanonicalService, source.Service.Length == 0 ? IstioLabels.Unknown : source.CanonicalRevision,
            destination.Workload, destination.Namespace, destinationPrincipal, destination.AppOrUnknown, destination.VersionOrUnknown,
            destination.Fqdn, destination.Service.Length == 0 ? IstioLabels.Unknown : destination.Service, destination.Namespace, IstioLabels.Unknown,
            destination.CanonicalService, destination.Service.Length == 0 ? IstioLabels.Unknown : destination.CanonicalRevision,
        ];
        var tags = new KeyValuePair<string, object?>[FixedCount];
        for (var i = 0; i < FixedCount; i++)
        {
            tags[i] = new(IstioLabels.All[i], values[i]);
        }

        return new IstioTagSet(tags, destination, subset);
    }

    /// <summary>Returns the measurement's labels in a per-thread buffer: valid until the next call on this thread; never keep it.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> With(string protocol, string responseCode, string grpcStatus, string flags, string securityPolicy)
    {
        var buffer = _buffer ??= new KeyValuePair<string, object?>[Count];
        _fixed.AsSpan().CopyTo(buffer);
        buffer[FixedCount] = new(IstioLabels.RequestProtocol, protocol);
        buffer[FixedCount + 1] = new(IstioLabels.ResponseCode, responseCode);
        buffer[FixedCount + 2] = new(IstioLabels.GrpcResponseStatus, grpcStatus);
        buffer[FixedCount + 3] = new(IstioLabels.ResponseFlags, flags);
        buffer[FixedCount + 4] = new(IstioLabels.ConnectionSecurityPolicy, securityPolicy);
        return buffer;
    }
}
