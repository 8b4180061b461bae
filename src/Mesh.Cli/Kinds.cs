using Mesh.Configuration;

namespace Mesh.Cli;

/// <summary>The kinds meshctl knows, by the names kubectl and istioctl accept.</summary>
internal static class Kinds
{
    public static string Parse(string text) => text.ToLowerInvariant() switch
    {
        "virtualservice" or "virtualservices" or "vs" => VirtualService.KindName,
        "destinationrule" or "destinationrules" or "dr" => DestinationRule.KindName,
        _ => throw new ArgumentException($"'{text}' is not a kind meshctl knows; use virtualservice (vs) or destinationrule (dr)"),
    };

    /// <summary>kubectl's resource name: <c>virtualservice.networking.istio.io/reviews</c>.</summary>
    public static string Resource(string kind, string name) => $"{kind.ToLowerInvariant()}.networking.istio.io/{name}";
}
