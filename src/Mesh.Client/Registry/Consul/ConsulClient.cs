using System.Net.Http.Json;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Registry.Consul;

/// <summary>
/// A typed client of the parts of Consul's HTTP API the mesh uses: agent services, health,
/// catalog, KV and status. Blocking reads take the last index and a wait time.
/// </summary>
internal sealed partial class ConsulClient : IDisposable
{
    private const string IndexHeader = "X-Consul-Index";
    private readonly HttpClient _http;
    private readonly string? _datacenter;
    private readonly bool _ownsHttp;

    public ConsulClient(HttpClient http, string? datacenter = null)
    {
        _http = http;
        _datacenter = datacenter;
    }

    private ConsulClient(HttpClient http, string? datacenter, bool ownsHttp)
        : this(http, datacenter) => _ownsHttp = ownsHttp;

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Creates a client for the connection: its address, token, datacenter and the CA of an https Consul.</summary>
    public static ConsulClient Create(ConsulConnection connection)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        if (connection.CaFile is { Length: > 0 } caFile)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateWithCa(certificate, errors, ca),
            };
        }

        var http = new HttpClient(handler)
        {
            BaseAddress = connection.Address,

            // Blocking queries hold the request open up to wait + wait/16 (Consul's jitter); each call sets its own limit.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(connection.Token))
        {
            http.DefaultRequestHeaders.Add("X-Consul-Token", connection.Token);
        }

        return new ConsulClient(http, connection.Datacenter, ownsHttp: true);
    }

    private static bool ValidateWithCa(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var cert = new X509Certificate2(certificate);
        return chain.Build(cert);
    }

    /// <summary>GET /v1/status/leader: the leader's address, empty when the cluster has none.</summary>
    public async Task<string> GetLeaderAsync(CancellationToken cancellationToken)
    {
        var result = await GetAsync("v1/status/leader", ConsulJsonContext.Default.String, 0, null, cancellationToken).ConfigureAwait(false);
        return result.Value ?? "";
    }

    private string Query(string path, ulong index, TimeSpan? wait, params (string Name, string? Value)[] parameters)
    {
        var query = new List<string>();
        foreach (var (name, value) in parameters)
        {
            if (value is not null)
            {
                query.Add(value.Length == 0 ? name : $"{name}={Uri.EscapeDataString(value)}");
            }
        }

        if (_datacenter is not null)
        {
            query.Add($"dc={Uri.EscapeDataString(_datacenter)}");
        }

        if (index > 0)
        {
            query.Add($"index={index.ToString(CultureInfo.InvariantCulture)}");
            if (wait is { } w)
            {
                query.Add($"wait={(long)Math.Ceiling(w.TotalMilliseconds)}ms");
            }
        }

        return query.Count == 0 ? path : $"{path}?{string.Join('&', query)}";
    }

    private async Task<ConsulResult<T?>> GetAsync<T>(string pathAndQuery, JsonTypeInfo<T> type, ulong index, TimeSpan? wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Consul may hold a blocking query for wait plus up to wait/16 of jitter.
#pragma warning disable RS0030 // a deadline on real socket I/O, as HttpClient.Timeout would be; a test of a hung Consul would need a TimeProvider here
        timeout.CancelAfter(index > 0 && wait is { } w ? w + (w / 16) + TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(15));
#pragma warning restore RS0030
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, timeout.Token, cancellationToken).ConfigureAwait(false);
        var hasIndex = response.Headers.TryGetValues(IndexHeader, out var values);
        var newIndex = hasIndex && ulong.TryParse(values!.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;

        // Consul answers every KV, catalog and health read with its index, a missing key (404) included.
        // Without it, whatever answered is not Consul: an empty answer from it must not read as an empty mesh.
        if (!hasIndex && IsIndexed(pathAndQuery) && (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound))
        {
            throw NotConsul(pathAndQuery, response, $"its answer has no {IndexHeader} header");
        }

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ConsulResult<T?>(default, false, newIndex);
        }

        await EnsureSuccessAsync(response, pathAndQuery, cancellationToken).ConfigureAwait(false);
        T? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(type, timeout.Token).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw NotConsul(pathAndQuery, response, $"its answer is not Consul's JSON ({ex.Message})");
        }

        return new ConsulResult<T?>(body, true, newIndex);
    }

    private static bool IsIndexed(string pathAndQuery) =>
        pathAndQuery.StartsWith("v1/kv/", StringComparison.Ordinal) ||
        pathAndQuery.StartsWith("v1/catalog/", StringComparison.Ordinal) ||
        pathAndQuery.StartsWith("v1/health/", StringComparison.Ordinal) ||
        pathAndQuery.StartsWith("v1/agent/connect/ca/", StringComparison.Ordinal);

    /// <summary>Something answered that is not Consul: reported as unreachable (meshctl exits 2), naming the address.</summary>
    private ConsulException NotConsul(string pathAndQuery, HttpResponseMessage response, string why) =>
        new($"not a Consul agent at {_http.BaseAddress}: GET /{pathAndQuery.Split('?')[0]} answered {(int)response.StatusCode} {response.ReasonPhrase}, and {why}", new HttpRequestException(why));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken token, CancellationToken callerToken)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery) { Content = content };
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException)
        {
            // A connection torn down while it opens can surface as a bare SocketException ("Transport endpoint is not connected").
            throw new ConsulException($"Consul at {_http.BaseAddress} is unreachable: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            throw new ConsulException($"Consul at {_http.BaseAddress} did not answer {method} /{pathAndQuery} in time", ex);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string pathAndQuery, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var path = pathAndQuery.Split('?')[0];
        throw new ConsulException($"Consul answered {(int)response.StatusCode} {response.ReasonPhrase} to /{path}: {text.Trim()}", response.StatusCode);
    }

    private async Task<bool> WriteAsync(HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
#pragma warning disable RS0030 // a deadline on real socket I/O, as HttpClient.Timeout would be; a test of a hung Consul would need a TimeProvider here
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
#pragma warning restore RS0030
        using var response = await SendAsync(method, pathAndQuery, content, timeout.Token, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, pathAndQuery, cancellationToken).ConfigureAwait(false);
        var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();

        // KV writes answer true/false (check-and-set); agent endpoints answer an empty body.
        return text.Length == 0 || text == "true";
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
