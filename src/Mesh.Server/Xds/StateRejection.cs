namespace Mesh.Server.Xds;

/// <summary>A refused update: its errors and when it was refused.</summary>
internal sealed record StateRejection(IReadOnlyList<string> Errors, DateTimeOffset At);
