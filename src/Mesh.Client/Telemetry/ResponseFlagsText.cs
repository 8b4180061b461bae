namespace Mesh.Telemetry;

/// <summary>The text of <see cref="ResponseFlags"/> as Envoy prints it (<c>-</c>, <c>UH</c>, <c>DI,UT</c>), built once per combination.</summary>
internal static class ResponseFlagsText
{
    public const string None = "-";

    // In Envoy's order of its short names (ResponseFlagUtils), so a combination reads as Envoy's would.
    private static readonly (ResponseFlags Flag, string Name)[] Names =
    [
        (ResponseFlags.NoHealthyUpstream, "UH"),
        (ResponseFlags.UpstreamConnectionFailure, "UF"),
        (ResponseFlags.UpstreamOverflow, "UO"),
        (ResponseFlags.NoRouteFound, "NR"),
        (ResponseFlags.UpstreamRetryLimitExceeded, "URX"),
        (ResponseFlags.UpstreamRequestTimeout, "UT"),
        (ResponseFlags.DelayInjected, "DI"),
        (ResponseFlags.FaultInjected, "FI"),
        (ResponseFlags.UnauthorizedExternalService, "RBAC"),
        (ResponseFlags.DownstreamConnectionTermination, "DC"),
        (ResponseFlags.UpstreamConnectionTermination, "UC"),
    ];

    private static readonly string?[] Cache = new string?[1 << Names.Length];

    /// <summary>Returns the flags' text; the same string instance for the same flags.</summary>
    public static string Get(ResponseFlags flags)
    {
        var index = (int)flags;
        if ((uint)index >= (uint)Cache.Length)
        {
            return Build(flags);
        }

        return Volatile.Read(ref Cache[index]) ?? (Cache[index] = Build(flags));
    }

    private static string Build(ResponseFlags flags)
    {
        if (flags == ResponseFlags.None)
        {
            return None;
        }

        var parts = new List<string>(2);
        foreach (var (flag, name) in Names)
        {
            if ((flags & flag) != 0)
            {
                parts.Add(name);
            }
        }

        return string.Join(',', parts);
    }
}
