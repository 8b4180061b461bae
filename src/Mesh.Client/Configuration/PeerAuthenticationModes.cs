namespace Mesh.Configuration;

/// <summary>The modes of Istio's <c>PeerAuthentication.MutualTLS.Mode</c>.</summary>
internal static class PeerAuthenticationModes
{
    /// <summary>Inherit from the parent policy (namespace, then mesh); PERMISSIVE at the top.</summary>
    public const string Unset = "UNSET";

    /// <summary>Plaintext only.</summary>
    public const string Disable = "DISABLE";

    /// <summary>mTLS and plaintext on the same port.</summary>
    public const string Permissive = "PERMISSIVE";

    /// <summary>mTLS only, with a client certificate from the mesh's roots.</summary>
    public const string Strict = "STRICT";

    /// <summary>Every mode.</summary>
    public static readonly string[] All = [Unset, Disable, Permissive, Strict];
}
