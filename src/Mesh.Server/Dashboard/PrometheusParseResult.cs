namespace Mesh.Server.Dashboard;

/// <summary>The samples read from one exposition, the lines refused, and the first refusal's reason.</summary>
internal sealed record PrometheusParseResult(IReadOnlyList<PrometheusSample> Samples, int RejectedLines, string? FirstError);
