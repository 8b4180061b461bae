namespace Mesh.Server.Dashboard;

/// <summary>One sample of Prometheus' text exposition format: a metric name, its labels and its value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>Gets a label's value, or <c>unknown</c> when the sample has no such label (Istio's value for a missing label).</summary>
    public string Label(string name) => Labels.TryGetValue(name, out var value) && value.Length > 0 ? value : "unknown";
}
