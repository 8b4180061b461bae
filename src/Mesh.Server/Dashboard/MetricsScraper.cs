using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using Mesh.Server.Xds;
using Microsoft.Extensions.Options;

namespace Mesh.Server.Dashboard;

/// <summary>
/// Scrapes <c>/metrics</c> of every instance the registry lists, every <see cref="DashboardOptions.ScrapeInterval"/>
/// (on the injected <see cref="TimeProvider"/>), at most <see cref="DashboardOptions.MaxConcurrentScrapes"/> at once, each
/// bounded in time and size. A failing instance is recorded as such and never stops the others or the server.
/// </summary>
internal sealed partial class MetricsScraper : BackgroundService
{
    private readonly XdsStateStore _store;
    private readonly TimeProvider _time;
    private readonly DashboardOptions _options;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _http;
    private readonly ConcurrentDictionary<string, ScrapeStatus> _status = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<ScrapeTarget> _targets = [];

    public MetricsScraper(XdsStateStore store, TimeProvider time, IOptions<DashboardOptions> options, ILogger<MetricsScraper> logger, HttpMessageHandler? handler = null)
    {
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
        History = new TrafficHistory(_options.RateWindow);
        _http = new HttpMessageInvoker(handler ?? new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), AllowAutoRedirect = false });
    }

    /// <summary>Gets the scrapes over the rate window.</summary>
    public TrafficHistory History { get; }

    /// <summary>Gets the instances scraped in the last round.</summary>
    public IReadOnlyList<ScrapeTarget> Targets => _targets;

    /// <summary>Gets the outcome of an instance's last scrape, or null before its first.</summary>
    public ScrapeStatus? StatusOf(string key) => _status.GetValueOrDefault(key);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _store.WhenReadyAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_options.ScrapeInterval, _time);
            do
            {
                await ScrapeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads the instances from the state in force and scrapes each once.</summary>
    public async Task ScrapeAllAsync(CancellationToken cancellationToken)
    {
        var targets = ReadTargets(_store.Current.State, _options.MetricsPath);
        _targets = targets;
        History.Retain(targets.Select(t => t.Key).ToHashSet(StringComparer.Ordinal));
        foreach (var gone in _status.Keys.Except(targets.Select(t => t.Key)).ToArray())
        {
            _status.TryRemove(gone, out _);
        }

        await Parallel.ForEachAsync(
            targets,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxConcurrentScrapes), CancellationToken = cancellationToken },
            async (target, ct) => await ScrapeAsync(target, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    internal static IReadOnlyList<ScrapeTarget> ReadTargets(Registry.MeshState state, string metricsPath) =>
    [
        .. state.Instances
            .SelectMany(s => s.Value)
            .Select(i => new ScrapeTarget(
                $"{i.Service.Fqdn}/{i.Id}",
                i.Service.Name,
                i.Id,
                i.Labels.GetValueOrDefault("version") ?? "unknown",
                i.Address,
                i.Port,
                i.Healthy,
                new UriBuilder(Uri.UriSchemeHttp, i.Address, i.Port, metricsPath).Uri))
            .OrderBy(t => t.Key, StringComparer.Ordinal),
    ];

    private async Task ScrapeAsync(ScrapeTarget target, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ScrapeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string? error;
        var rejectedLines = 0;
        try
        {
            var text = await GetAsync(target.Url, linked.Token).ConfigureAwait(false);
            var metrics = IstioMetricsReader.Read(text);
            History.Record(target.Key, _time.GetUtcNow(), metrics);
            rejectedLines = metrics.RejectedLines;
            error = null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            error = $"no answer within {_options.ScrapeTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms";
        }
#pragma warning disable CA1031 // an instance that cannot be scraped is shown as failing; it never stops the others
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex.Message;
        }

        var previous = _status.GetValueOrDefault(target.Key);
        _status[target.Key] = new ScrapeStatus(_time.GetUtcNow(), error, rejectedLines);
        if (error is not null && previous?.Error is null)
        {
            Log.ScrapeFailed(_logger, target.Url, error);
        }
    }

    private async Task<string> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{url} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
        {
            throw new InvalidDataException($"{url}: {response.Content.Headers.ContentLength} bytes, more than the {_options.MaxResponseBytes} read");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(_options.MaxResponseBytes, 64 * 1024) + 1];
            using var collected = new MemoryStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (collected.Length + read > _options.MaxResponseBytes)
                {
                    throw new InvalidDataException($"{url}: more than the {_options.MaxResponseBytes} bytes read");
                }

                collected.Write(buffer, 0, read);
            }

            return System.Text.Encoding.UTF8.GetString(collected.GetBuffer(), 0, (int)collected.Length);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(ServerEventIds.ScrapeFailed, LogLevel.Warning, "Dashboard: scraping {Url} failed ({Error}); shown as failing until it answers")]
        public static partial void ScrapeFailed(ILogger logger, Uri url, string error);
    }
}
