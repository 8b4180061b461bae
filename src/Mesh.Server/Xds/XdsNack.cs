namespace Mesh.Server.Xds;

/// <summary>A response the client rejected: the version it rejected, the client's error, and when.</summary>
internal sealed record XdsNack(string Version, int Code, string Message, DateTimeOffset At);
