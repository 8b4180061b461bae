using System.Text.Json;
using Envoy.Config.Core.V3;
using Google.Protobuf;

namespace Mesh.Registry.Xds;

/// <summary>
/// The gRPC xDS bootstrap (gRFC A27), as proxyless gRPC reads it in every language: the first of <c>xds_servers</c>
/// (its <c>server_uri</c>, <c>channel_creds</c>, <c>server_features</c>) and the <c>node</c> sent on each stream's
/// first request. Only <c>insecure</c> channel credentials are supported (plaintext HTTP/2 to the server).
/// </summary>
/// <param name="ServerUri">The server's address, <c>host:port</c>.</param>
/// <param name="Node">The node: id, cluster, locality, metadata.</param>
/// <param name="IgnoreResourceDeletion">Whether the server listed <c>ignore_resource_deletion</c> (gRFC A53): listeners and clusters left out of a response are kept.</param>
/// <param name="Source">Where the bootstrap came from, for messages.</param>
internal sealed record XdsBootstrap(string ServerUri, Node Node, bool IgnoreResourceDeletion, string Source)
{
    public const string PathVariable = "GRPC_XDS_BOOTSTRAP";
    public const string ConfigVariable = "GRPC_XDS_BOOTSTRAP_CONFIG";

    /// <summary>Gets the server's address as an http URI (h2c).</summary>
    public Uri ServerAddress => new($"http://{ServerUri}");

    /// <summary>Reads the bootstrap from <paramref name="path"/>, else <c>GRPC_XDS_BOOTSTRAP</c>, else <c>GRPC_XDS_BOOTSTRAP_CONFIG</c>.</summary>
    /// <exception cref="XdsBootstrapException">None is set, the file is missing or unreadable, or a field is missing or unsupported.</exception>
    public static XdsBootstrap Load(string? path, Func<string, string?> environment)
    {
        string text;
        string source;
        path = path is { Length: > 0 } ? path : environment(PathVariable);
        if (path is { Length: > 0 })
        {
            source = $"xDS bootstrap file '{path}'";
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new XdsBootstrapException($"Mesh: the {source} cannot be read ({ex.Message}); set Mesh:Xds:Bootstrap or {PathVariable} to the gRPC bootstrap file.", ex);
            }
        }
        else if (environment(ConfigVariable) is { Length: > 0 } inline)
        {
            source = $"xDS bootstrap in {ConfigVariable}";
            text = inline;
        }
        else
        {
            throw new XdsBootstrapException($"Mesh: the xDS registry needs a gRPC bootstrap; set Mesh:Xds:Bootstrap or {PathVariable} to its path, or {ConfigVariable} to its JSON.");
        }

        return Parse(text, source);
    }

    /// <summary>Parses bootstrap JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="XdsBootstrapException">A field is missing or unsupported.</exception>
    public static XdsBootstrap Parse(string text, string source)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new XdsBootstrapException($"Mesh: the {source} is not JSON: {ex.Message}", ex);
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new XdsBootstrapException($"Mesh: the {source} is not a JSON object.");
            }

            if (!root.TryGetProperty("xds_servers", out var servers) || servers.ValueKind != JsonValueKind.Array || servers.GetArrayLength() == 0)
            {
                throw new XdsBootstrapException($"Mesh: the {source} has no xds_servers; list the xDS server as {{\"server_uri\": \"host:port\", \"channel_creds\": [{{\"type\": \"insecure\"}}]}}.");
            }

            var server = servers[0];
            if (!server.TryGetProperty("server_uri", out var uri) || uri.ValueKind != JsonValueKind.String || uri.GetString() is not { Length: > 0 } serverUri)
            {
                throw new XdsBootstrapException($"Mesh: the {source}: xds_servers[0].server_uri is missing; set it to the server's host:port.");
            }

            // gRPC target forms: host:port, or dns:///host:port (istio-agent writes the latter for remote servers).
            if (serverUri.StartsWith("dns:///", StringComparison.Ordinal))
            {
                serverUri = serverUri["dns:///".Length..];
            }

            if (!serverUri.Contains(':', StringComparison.Ordinal) || !Uri.TryCreate($"http://{serverUri}", UriKind.Absolute, out var parsed) || parsed.PathAndQuery != "/" || serverUri.EndsWith(':'))
            {
                throw new XdsBootstrapException($"Mesh: the {source}: xds_servers[0].server_uri '{serverUri}' is not host:port (or dns:///host:port).");
            }

            if (!server.TryGetProperty("channel_creds", out var creds) || creds.ValueKind != JsonValueKind.Array || creds.GetArrayLength() == 0)
            {
                throw new XdsBootstrapException($"Mesh: the {source}: xds_servers[0].channel_creds is missing; Mesh supports [{{\"type\": \"insecure\"}}].");
            }

            // gRPC takes the first credentials type it supports; Mesh supports insecure (plaintext HTTP/2) only.
            var types = creds.EnumerateArray().Select(c => c.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? "" : "").ToList();
            if (!types.Contains("insecure", StringComparer.Ordinal))
            {
                throw new XdsBootstrapException($"Mesh: the {source}: xds_servers[0].channel_creds type '{string.Join("', '", types)}' is not supported; Mesh connects to the xDS server with 'insecure' (plaintext HTTP/2) only.");
            }

            var ignoreDeletion = server.TryGetProperty("server_features", out var features) && features.ValueKind == JsonValueKind.Array &&
                features.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && f.GetString() == "ignore_resource_deletion");

            if (!root.TryGetProperty("node", out var nodeJson) || nodeJson.ValueKind != JsonValueKind.Object)
            {
                throw new XdsBootstrapException($"Mesh: the {source} has no node; set node.id (Istio's form: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local).");
            }

            if (!nodeJson.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 })
            {
                throw new XdsBootstrapException($"Mesh: the {source}: node.id is missing; set it (Istio's form: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local).");
            }

            Node node;
            try
            {
                // The node is Envoy's Node message in proto3 JSON; fields the trimmed proto lacks are refused by name.
                node = new JsonParser(JsonParser.Settings.Default).Parse<Node>(nodeJson.GetRawText());
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new XdsBootstrapException($"Mesh: the {source}: node: {ex.Message}", ex);
            }

            node.UserAgentName = "Mesh.Client";
            node.UserAgentVersion = typeof(XdsBootstrap).Assembly.GetName().Version?.ToString() ?? "";
            node.Locality ??= new Locality();
            return new XdsBootstrap(serverUri, node, ignoreDeletion, source);
        }
    }
}
