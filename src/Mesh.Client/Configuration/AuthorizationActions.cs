namespace Mesh.Configuration;

/// <summary>The actions of an AuthorizationPolicy, as Istio spells them.</summary>
internal static class AuthorizationActions
{
    /// <summary>Allow a request that matches; when any ALLOW policy applies, a request that matches none is denied.</summary>
    public const string Allow = "ALLOW";

    /// <summary>Deny a request that matches; checked before ALLOW.</summary>
    public const string Deny = "DENY";

    /// <summary>Log a request that matches; never changes the decision.</summary>
    public const string Audit = "AUDIT";

    /// <summary>Ask an external authorizer (Envoy ext_authz); not supported by Mesh.</summary>
    public const string Custom = "CUSTOM";
}
