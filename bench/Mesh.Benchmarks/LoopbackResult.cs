using System.Globalization;

namespace Mesh.Benchmarks;

/// <summary>
/// One load run by one client process, as the client prints it on one line
/// (<c>RESULT key=value ...</c>) for the parent to read.
/// </summary>
internal sealed record LoopbackResult(
    string Load,
    long Requests,
    long Errors,
    double Seconds,
    double P50Micros,
    double P90Micros,
    double P99Micros,
    double AllocatedBytesPerRequest,
    double CpuMillisPer1000,
    double WorkingSetMB,
    double GcHeapMB,
    int Assemblies)
{
    public const string Prefix = "RESULT ";

    public double Rps => Requests / Seconds;

    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"{Prefix}load={Load} requests={Requests} errors={Errors} seconds={Seconds:0.000} p50={P50Micros:0.0} p90={P90Micros:0.0} p99={P99Micros:0.0} alloc={AllocatedBytesPerRequest:0.0} cpu={CpuMillisPer1000:0.000} ws={WorkingSetMB:0.00} heap={GcHeapMB:0.00} assemblies={Assemblies}");

    public static LoopbackResult Parse(string line)
    {
        var fields = line[Prefix.Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        double D(string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);
        return new LoopbackResult(
            fields["load"],
            long.Parse(fields["requests"], CultureInfo.InvariantCulture),
            long.Parse(fields["errors"], CultureInfo.InvariantCulture),
            D("seconds"),
            D("p50"),
            D("p90"),
            D("p99"),
            D("alloc"),
            D("cpu"),
            D("ws"),
            D("heap"),
            int.Parse(fields["assemblies"], CultureInfo.InvariantCulture));
    }
}
