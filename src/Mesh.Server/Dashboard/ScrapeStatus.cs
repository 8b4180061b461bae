namespace Mesh.Server.Dashboard;

/// <summary>The outcome of an instance's last scrape: when, and the error when it failed (null when it succeeded).</summary>
internal sealed record ScrapeStatus(DateTimeOffset At, string? Error, int RejectedLines);
