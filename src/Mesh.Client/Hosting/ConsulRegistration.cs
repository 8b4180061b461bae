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
/// mesh health endpoint; checks the registration periodically and registers again if the agent
/// forgot it (an agent restart); deregisters on graceful shutdown.
/// </summary>
internal sealed partial class ConsulRegistration(
    IOptions<MeshOptions> options,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ConsulRegistration> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private ConsulClient? _client;
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

        _client = ConsulClient.Create(ConsulConnection.From(mesh.Consul));
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
        var outage = new ConsulOutage(_client!.BaseAddress, time, logger);
        var registered = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!registered || await _client.GetAgentServiceAsync(_registration.ID, cancellationToken).ConfigureAwait(false) is null)
                {
                    if (registered)
                    {
                        Log.Forgotten(logger, _registration.ID);
                    }

                    await _client.RegisterServiceAsync(_registration, cancellationToken).ConfigureAwait(false);
                    registered = true;
                    Log.Registered(logger, _registration.ID, _registration.Name, _registration.Address!, _registration.Port, _client.BaseAddress);
                }

                outage.Success();
                failures = 0;
                await Task.Delay(mesh.Consul.RegistrationCheckInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (ConsulException ex)
            {
                outage.Failure(ex);
                failures++;
                try
                {
                    await Task.Delay(ConsulWatch<bool>.Backoff(failures, Snapshot.SharedMeshRandom.Instance.NextDouble()), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
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
        _client?.Dispose();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConsulRegistered, LogLevel.Information, "Registered {Id} ({Service} at {Address}:{Port}) with Consul at {Consul}")]
        public static partial void Registered(ILogger logger, string id, string service, string address, int port, Uri consul);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulRegistrationForgotten, LogLevel.Warning, "The Consul agent no longer knows {Id} (restarted?); registering again")]
        public static partial void Forgotten(ILogger logger, string id);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulDeregistered, LogLevel.Information, "Deregistered {Id} from Consul")]
        public static partial void Deregistered(ILogger logger, string id);

        [LoggerMessage(Telemetry.MeshEventIds.ConsulDeregisterFailed, LogLevel.Warning, "Could not deregister {Id} from Consul ({Reason}); Consul removes it once its check has been critical long enough")]
        public static partial void DeregisterFailed(ILogger logger, string id, string reason);
    }
}
