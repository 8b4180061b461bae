namespace Mesh.Server.Dashboard;

/// <summary>How the dashboard scrapes the instances it knows from the registry (configuration section <c>Dashboard</c>).</summary>
internal sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Gets or sets the time between two scrapes of every instance. <value>1 s.</value></summary>
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long one scrape may take before it counts as failed. <value>2 s.</value></summary>
    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the window rates, error ratios and percentiles are computed over. <value>10 s.</value></summary>
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the most scrapes in flight at once. <value>8.</value></summary>
    public int MaxConcurrentScrapes { get; set; } = 8;

    /// <summary>Gets or sets the largest <c>/metrics</c> response read; a larger one fails the scrape. <value>4 MiB.</value></summary>
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Gets or sets the path scraped on each instance's registered port. <value><c>/metrics</c>.</value></summary>
    public string MetricsPath { get; set; } = "/metrics";
}
