namespace Mesh.Security.Authorization;

/// <summary>A string attribute of a request that policy values match.</summary>
internal enum RequestAttribute
{
    /// <summary>The peer principal (<c>principals</c>, <c>source.principal</c>).</summary>
    Principal,

    /// <summary>The peer namespace (<c>namespaces</c>, <c>source.namespace</c>).</summary>
    Namespace,

    /// <summary>The host (<c>hosts</c>).</summary>
    Host,

    /// <summary>The method (<c>methods</c>).</summary>
    Method,

    /// <summary>The path (<c>paths</c>).</summary>
    Path,

    /// <summary>The TLS server name (<c>connection.sni</c>).</summary>
    Sni,
}
