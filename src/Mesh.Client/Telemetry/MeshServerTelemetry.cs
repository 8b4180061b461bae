using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry;

/// <summary>
/// The server side's telemetry (reporter=destination): the local workload as the destination, the caller known by its
/// certificate's principal when it presented one. Labels are built once per principal (up to a bound) and kept.
/// </summary>
internal sealed class MeshServerTelemetry
{
    private const int MaxPrincipals = 1024;

    private readonly ConcurrentDictionary<string, IstioTagSet> _byPrincipal = new(StringComparer.Ordinal);

    public MeshServerTelemetry(MeshMetrics metrics, MeshWorkload local, TimeProvider time, ILogger? accessLog)
    {
        Metrics = metrics;
        Local = local;
        Time = time;
        AccessLogger = accessLog;
        Anonymous = IstioTagSet.ForServer(local, null, null);
    }

    public MeshMetrics Metrics { get; }

    public MeshWorkload Local { get; }

    public TimeProvider Time { get; }

    /// <summary>Gets the access log, or null when it is off.</summary>
    public ILogger? AccessLogger { get; }

    /// <summary>Gets the labels of a caller that presented no certificate (or one without a SPIFFE identity).</summary>
    public IstioTagSet Anonymous { get; }

    /// <summary>Gets a value indicating whether a request must be measured: a listener on Istio's instruments, or the access log on.</summary>
    public bool Enabled => AccessLogger is not null || Metrics.IstioEnabled;

    /// <summary>Returns the labels of a caller known by its SPIFFE principal (<c>cluster.local/ns/default/sa/productpage</c>) and namespace.</summary>
    public IstioTagSet For(string principal, string? ns)
    {
        if (_byPrincipal.TryGetValue(principal, out var tags))
        {
            return tags;
        }

        tags = IstioTagSet.ForServer(Local, principal, ns);
        if (_byPrincipal.Count < MaxPrincipals)
        {
            _byPrincipal.TryAdd(principal, tags);
        }

        return tags;
    }
}
