namespace Mesh.Server;

/// <summary>
/// The event id of every message Mesh.Server logs (Mesh.Client's own messages keep their ids from
/// <c>Mesh.Telemetry.MeshEventIds</c>, 100-999). A range per feature; an id, once used, keeps its meaning.
/// </summary>
internal static class ServerEventIds
{
    // 10xx: hosting.
    public const int Listening = 1000;

    // 11xx: the mesh state the server serves.
    public const int StateApplied = 1100;
    public const int StateRejected = 1101;
    public const int StateUpdateFailed = 1102;
    public const int WarmFailed = 1103;
    public const int IdentityCompileFailed = 1104;
    public const int Unsupported = 1110;
    public const int ConfigNote = 1111;
    public const int EndpointUnresolved = 1112;

    // 12xx: ADS streams.
    public const int ClientConnected = 1200;
    public const int ClientDisconnected = 1201;
    public const int Nack = 1202;
    public const int StaleNonce = 1203;
    public const int UnknownType = 1204;
    public const int NackedVersionHeld = 1205;
    public const int StreamRefused = 1206;
    public const int NodeChangeIgnored = 1207;
    public const int RepeatedNack = 1208;

    // 13xx: the dashboard: scraping the instances.
    public const int ScrapeFailed = 1300;
}
