using System.Net;
using Mesh.Configuration;
using Mesh.Tests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Mesh.Security.Authorization.Tests;

/// <summary>Requests and compiled policies for the evaluator tests.</summary>
internal static class AuthorizationTestRequests
{
    /// <summary>A GET of <c>/productpage</c> from productpage's identity on 10.0.0.5 to 10.0.0.9:9080.</summary>
    public static AuthorizationRequest Get(string path = "/productpage", string? principal = "cluster.local/ns/default/sa/bookinfo-productpage", string method = "GET", params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            // Not Append: it drops an empty value, and a test needs a header that is present and empty.
            dictionary[name] = dictionary.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }

        var ns = principal is null ? null : SpiffeId.TryParse("spiffe://" + principal, out var id, out _) ? id.Namespace : null;
        return new AuthorizationRequest
        {
            Principal = principal,
            PeerNamespace = ns,
            SourceAddress = IPAddress.Parse("10.0.0.5"),
            DestinationAddress = IPAddress.Parse("10.0.0.9"),
            DestinationPort = 9080,
            Method = method,
            Path = path,
            Host = "productpage:9080",
            Headers = dictionary,
        };
    }

    /// <summary>Parses the policies (<c>---</c>-separated documents), validates them and compiles them.</summary>
    public static AuthorizationEvaluator Compile(string yaml)
    {
        var documents = TestMesh.Parse(yaml);
        Assert.Empty(MeshConfigValidator.Validate(documents));
        return AuthorizationEvaluator.Compile([.. documents.Cast<AuthorizationPolicy>()], "default");
    }

    /// <summary>One policy in namespace default named <paramref name="name"/>; <paramref name="spec"/> is the YAML under spec, unindented.</summary>
    public static string Policy(string name, string spec) =>
        $"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{ name: {name}, namespace: default }}\nspec:\n" +
        string.Join('\n', spec.Split('\n').Select(line => "  " + line));
}
