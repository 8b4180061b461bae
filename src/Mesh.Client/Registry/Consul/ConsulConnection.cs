using Mesh.Hosting;

namespace Mesh.Registry.Consul;

/// <summary>Where Consul is and how to talk to it, with the consul CLI's environment variables as fallbacks.</summary>
internal sealed record ConsulConnection(Uri Address, string? Token, string? Datacenter, string? CaFile)
{
    public const string DefaultAddress = "http://127.0.0.1:8500";

    public static ConsulConnection From(ConsulRegistryOptions options) =>
        Resolve(options.Address, options.Token, options.Datacenter, options.CaFile);

    /// <summary>Explicit values first, then CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_CACERT, then the defaults.</summary>
    public static ConsulConnection Resolve(string? address, string? token, string? datacenter = null, string? caFile = null)
    {
        var text = FirstNonEmpty(address, Environment.GetEnvironmentVariable("CONSUL_HTTP_ADDR")) ?? DefaultAddress;
        return new ConsulConnection(
            ParseAddress(text),
            FirstNonEmpty(token, Environment.GetEnvironmentVariable("CONSUL_HTTP_TOKEN")),
            FirstNonEmpty(datacenter),
            FirstNonEmpty(caFile, Environment.GetEnvironmentVariable("CONSUL_CACERT")));
    }

    /// <summary>Accepts <c>http(s)://host:port</c> or, as the consul CLI does, a bare <c>host:port</c> (http).</summary>
    public static Uri ParseAddress(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : $"http://{text}";
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{text}' is not a Consul address; use http://host:port or https://host:port.", nameof(text));
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
