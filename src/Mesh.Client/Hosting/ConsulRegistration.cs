using System.Globalization;
using Mesh.Registry.Consul;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>
/// Registers this instance with the local Consul agent once Kestrel listens (address and port
/// from the bound addresses unless configured), with its labels as Meta and an HTTP check on the
/// mesh health endpoint; deregisters on graceful shutdown. Like Consul's own anti-entropy, it
/// checks the registration regularly and registers again if the agent forgot it (an agent that
/// restarted without its data): every <see cref="ConsulRegistryOptions.RegistrationCheckInterval"/>,
/// at once when the registry's watches see Consul answer again after an outage, and every
/// 0.125-1 s while the agent does not answer, so the instance is back the moment the agent is.
/// Shares the registry's client and outage: an agent that does not answer is one outage, logged once
/// under one category; an error answer (an ACL denial) is the registration's own, logged once.
/// </summary>
internal sealed partial class ConsulRegistration(
    IOptions<MeshOptions> options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ConsulRegistration> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan MaxProbeInterval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private ConsulClient? _client;
    private ConsulOutage? _outage;
    private Task? _loop;
    private AgentServiceRegistration? _registration;

    public AgentServiceRegistration? Registration => _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var mesh = options.Value;
        if (!ShouldRegister(mesh))
        {
            return Task.CompletedTask;
        }

        var registry = (ConsulRegistry)services.GetService(typeof(ConsulRegistry))!;
        _client = registry.Client;
        _outage = registry.Outage;
        lifetime.ApplicationStarted.Register(() => _loop = Task.Run(() => RunAsync(_stop.Token)));
        return Task.CompletedTask;
    }

    public static bool ShouldRegister(MeshOptions mesh) =>
        string.Equals(mesh.Registry, MeshRegistries.Consul, StringComparison.OrdinalIgnoreCase) &&
        mesh.Service.Length > 0 &&
        mesh.Consul.Register != false;

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var mesh = options.Value;
        _registration = BuildRegistration(mesh);
        var outage = _outage!;
        var registered = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan delay;
            CancellationToken wake;
            try
            {
                // Taken before the check: an outage that ends while this check runs still wakes the next wait.
                wake = outage.Ended;
                if (!registered || await _client!.GetAgentServiceAsync(_registration.ID, cancellationToken).ConfigureAwait(false) is null)
                {
                    if (registered)
                    {
                        Log.Forgotten(logger, _registration.ID);
                    }

                    await _client!.RegisterServiceAsync(_registration, cancellationToken).ConfigureAwait(false);
                    registered = true;
                    Log.Registered(logger, _registration.ID, _registration.Name, _registration.Address!, _registration.Port, _client.BaseAddress);
                }

                failures = 0;
                delay = mesh.Consul.RegistrationCheckInterval;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is ConsulException or HttpRequestException or IOException or System.Net.Sockets.SocketException or System.Text.Json.JsonException)
            {
                // An agent that does not answer is the registry's outage (logged once, ended by its watches
                // or its probe). The agent's own endpoints answer while the cluster has no leader, so a
                // registration never reports an outage's end. Any other failure is the registration's own.
                failures++;
                if (ex is not ConsulException { IsUnreachable: false })
                {
                    wake = outage.Failure(ex);
                }
                else
                {
                    wake = outage.Ended;
                    if (failures == 1)
                    {
                        Log.RegisterFailed(logger, _registration.ID, ex.Message);
                    }
                }

                // The local agent is cheap to ask: probe it often, so the instance is back as soon as it is.
                var backoff = ConsulWatch<bool>.Backoff(failures, Snapshot.SharedMeshRandom.Instance.NextDouble());
                delay = backoff < MaxProbeInterval ? backoff : MaxProbeInterval;
            }

            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wake);
                await Task.Delay(delay, time, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Consul answered someone after an outage: check now.
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private AgentServiceRegistration BuildRegistration(MeshOptions mesh)
    {
        var (boundHost, boundPort) = BoundAddress();
        var address = mesh.Consul.RegisterAddress ?? boundHost;
        var port = mesh.Consul.RegisterPort ?? boundPort;
        var meta = new Dictionary<string, string>(mesh.Labels, StringComparer.Ordinal);
        if (mesh.Namespace != "default")
        {
            meta[ConsulMeta.Namespace] = mesh.Namespace;
        }

        foreach (var named in mesh.Consul.RegisterPorts)
        {
            meta[ConsulMeta.PortPrefix + named.Name] = ConsulMeta.PortValue(named.Port, named.TargetPort ?? named.Port);
        }

        if (mesh.ServiceAccount is { Length: > 0 } account && account != mesh.Service)
        {
            meta[ConsulMeta.ServiceAccount] = account;
        }

        // Served by UseMesh(): callers' auto mTLS sends ISTIO_MUTUAL (Istio's security.istio.io/tlsMode: istio).
        if (services.GetService(typeof(MeshInbound)) is not null)
        {
            meta[ConsulMeta.TlsMode] = "istio";
        }

        var hostPort = address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";
        return new AgentServiceRegistration
        {
            ID = mesh.InstanceId!,
            Name = mesh.Service,
            Address = address,
            Port = port,
            Meta = meta,
            Check = new AgentServiceCheck
            {
                HTTP = $"http://{hostPort}{mesh.Consul.HealthPath}",
                Interval = Seconds(mesh.Consul.CheckInterval),
                Timeout = Seconds(mesh.Consul.CheckInterval),
                DeregisterCriticalServiceAfter = Seconds(mesh.Consul.DeregisterCriticalServiceAfter),
            },
        };
    }

    private static string Seconds(TimeSpan value) => $"{Math.Max(1, (long)Math.Ceiling(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture)}ms";

    /// <summary>The first address Kestrel listens on; a wildcard host registers as 127.0.0.1.</summary>
    private (string Host, int Port) BoundAddress()
    {
        // Resolved late: a host without a server (a pure client) never registers, so never needs one.
        var server = services.GetService(typeof(IServer)) as IServer;
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var text in addresses)
        {
            var normalized = text.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
            {
                var host = uri.Host.Trim('[', ']');
                if (host is "0.0.0.0" or "::" or "localhost")
                {
                    host = "127.0.0.1";
                }

                return (host, uri.Port);
            }
        }

        throw new InvalidOperationException("Mesh cannot register with Consul: Kestrel reports no listening address; set Mesh:Consul:RegisterAddress and Mesh:Consul:RegisterPort.");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_client is not null && _registration is not null)
        {
            try
            {
                await _client.DeregisterServiceAsync(_registration.ID, cancellationToken).ConfigureAwait(false);
                Log.Deregistered(logger, _registration.ID);
            }
            catch (ConsulException ex)
            {
                Log.DeregisterFailed(logger, _registration.ID, ex.Message);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        // The client is the registry's: it disposes it.
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConsulRegistered, LogLevel.Information, "Registered {Id} ({Service} at {Address}:{Port}) with Consul at {Consul}")]
        public static partial void Registered(ILogger logger, string id, string service, string address, int port, Uri consul);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulRegistrationForgotten, LogLevel.Warning, "The Consul agent no longer knows {Id} (restarted?); registering again")]
        public static partial void Forgotten(ILogger logger, string id);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulRegistrationCheckFailed, LogLevel.Warning, "Could not check or renew the registration of {Id} with Consul: {Reason}; retrying every second")]
        public static partial void RegisterFailed(ILogger logger, string id, string reason);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulDeregistered, LogLevel.Information, "Deregistered {Id} from Consul")]
        public static partial void Deregistered(ILogger logger, string id);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulDeregisterFailed, LogLevel.Warning, "Could not deregister {Id} from Consul ({Reason}); Consul removes it once its check has been critical long enough")]
        public static partial void DeregisterFailed(ILogger logger, string id, string reason);
    }
}
