namespace Mesh.Telemetry;

/// <summary>
/// The event id of every message the library logs, one list so no two share an id: a range per
/// feature, in the order of a request's life. An id, once used, keeps its meaning (log queries
/// and alerts select on it); a message that goes away leaves its id unused.
/// </summary>
internal static class MeshEventIds
{
    // 1xx: config snapshots.
    public const int ConfigApplied = 100;
    public const int ConfigRejected = 101;
    public const int ConfigUpdateFailed = 102;
    public const int ConfigNote = 103;
    public const int ConfigDocumentSkipped = 104;

    // 2xx: the HTTP handler: requests the mesh answered itself.
    public const int NoRoute = 200;
    public const int NoHealthyUpstream = 201;
    public const int UpstreamOverflow = 202;
    public const int UpstreamTimeout = 203;
    public const int UpstreamFailed = 204;

    // 25x: the gRPC resolver.
    public const int GrpcResolverPublished = 250;
    public const int GrpcTargetNotMeshService = 251;
    public const int GrpcWarmFailed = 252;

    // 3xx: the Consul registry: reachability, cold start, the persisted last good state.
    public const int ConsulUnreachable = 300;
    public const int ConsulReachableAgain = 301;
    public const int ColdStartFromFile = 310;
    public const int ColdStartEmpty = 311;
    public const int StateFileSaveFailed = 320;
    public const int ConsulHealthHeld = 330;
    public const int ConsulHealthHoldEnded = 331;

    // 4xx: the static registry.
    public const int StaticConfigWatching = 400;

    // 5xx: hosting: this instance's registration with Consul; the mesh at start.
    public const int ConsulRegistered = 500;
    public const int ConsulRegistrationForgotten = 501;
    public const int ConsulDeregistered = 502;
    public const int ConsulDeregisterFailed = 503;
    public const int ConsulRegistrationCheckFailed = 504;
    public const int NoMeshServicesConfigured = 510;

    // 6xx: security: certificate sources, rotation, mTLS handshakes (outbound and inbound).
    public const int CertificateIssued = 600;
    public const int CertificateRenewalFailed = 601;
    public const int TrustedRootsChanged = 602;
    public const int CertificateFilesReloaded = 603;
    public const int CertificateFilesRejected = 604;
    public const int UpstreamPeerRejected = 610;
    public const int UpstreamTlsFailed = 611;
    public const int InboundHandshakeRefused = 620;
    public const int InboundPlaintextRefused = 621;
    public const int InboundConnectionFailed = 622;
    public const int ConsulCertificateLoaded = 630;
    public const int ConsulCertificateRenewed = 631;
    public const int ConsulCertificateRejected = 632;
    public const int ConsulCertificateWaiting = 633;
    public const int ConsulCertificateRefused = 634;
    public const int ConsulCertificateNotRenewed = 635;
    public const int ConsulCertificateExpired = 636;
    public const int ConsulCertificateInconsistent = 637;

    // 7xx: authorization: PeerAuthentication and AuthorizationPolicy decisions.
    public const int AuthorizationDenied = 750;
    public const int AuthorizationAudited = 751;
    public const int AuthorizationDryRun = 752;

    // 8xx: telemetry: metrics, traces, the access log.
    public const int AccessLogOutbound = 800;
    public const int AccessLogInbound = 801;

    // 9xx: the xDS registry (Mesh.Client in xDS mode).
    public const int XdsConnected = 900;
    public const int XdsStreamFailed = 901;
    public const int XdsStreamEnded = 902;
    public const int XdsSubscribed = 903;
    public const int XdsNacked = 904;
    public const int XdsDoesNotExist = 905;
    public const int XdsDeleted = 906;
    public const int XdsUnknownType = 907;
    public const int XdsColdStartFromFile = 908;
    public const int XdsNoPersistedState = 909;
    public const int XdsStateFileSaveFailed = 910;
}
