using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>The kinds meshctl knows, by the names kubectl and istioctl accept.</summary>
internal static class Kinds
{
    public static string Parse(string text) => text.ToLowerInvariant() switch
    {
        "virtualservice" or "virtualservices" or "vs" => VirtualService.KindName,
        "destinationrule" or "destinationrules" or "dr" => DestinationRule.KindName,
        "authorizationpolicy" or "authorizationpolicies" or "ap" => AuthorizationPolicy.KindName,
        "peerauthentication" or "peerauthentications" or "pa" => PeerAuthentication.KindName,
        _ => throw new ArgumentException($"'{text}' is not a kind meshctl knows; use virtualservice (vs), destinationrule (dr), authorizationpolicy (ap) or peerauthentication (pa)"),
    };

    /// <summary>kubectl's resource name: <c>virtualservice.networking.istio.io/reviews</c>, <c>authorizationpolicy.security.istio.io/allow-nothing</c>.</summary>
    public static string Resource(string kind, string name) => $"{kind.ToLowerInvariant()}.{Group(kind)}/{name}";

    private static string Group(string kind) => kind switch
    {
        AuthorizationPolicy.KindName or PeerAuthentication.KindName or "RequestAuthentication" => "security.istio.io",
        _ => "networking.istio.io",
    };
}
