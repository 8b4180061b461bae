using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Configuration;
using Microsoft.Extensions.Logging;

namespace Mesh.Registry;

/// <summary>
/// The last good state on disk: the config texts as stored and the instances, written atomically
/// after every applied snapshot, read back when a cold start cannot reach the registry.
/// </summary>
internal sealed partial class MeshStateFile(string path)
{
    public string Path { get; } = path;

    /// <summary>
    /// The default file, in a per-user state directory, never a directory users keep config in (the
    /// static registry reads {temp}/mesh in Bookinfo's walkthrough): <c>$XDG_STATE_HOME/mesh</c>, else
    /// <c>~/.local/state/mesh</c> on Linux and other Unixes, the local application data folder's
    /// <c>mesh/state</c> on Windows and macOS.
    /// </summary>
    public static string DefaultPath(string service, string ns) =>
        System.IO.Path.Combine(DefaultDirectory(Environment.GetEnvironmentVariable), $"{(service.Length > 0 ? service : "client")}-{ns}.state.json");

    internal static string DefaultDirectory(Func<string, string?> environment)
    {
        if (environment("XDG_STATE_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
        {
            return System.IO.Path.Combine(xdg, "mesh");
        }

        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "mesh", "state");
        }

        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        return home.Length > 0
            ? System.IO.Path.Combine(home, ".local", "state", "mesh")
            : System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mesh-state-{Environment.UserName}");
    }

    public void Save(MeshState state, DateTimeOffset now, ILogger logger)
    {
        var file = new StateFileModel
        {
            SavedAt = now,
            Config = state.ConfigTexts.Select(c => new StateFileConfig { Key = c.Key, Text = c.Text }).ToList(),
            Instances = state.Instances.Values.SelectMany(list => list).Select(i => new StateFileInstance
            {
                Service = i.Service.Name,
                Namespace = i.Service.Namespace,
                Id = i.Id,
                Address = i.Address,
                Port = i.Port,
                Labels = i.Labels.ToDictionary(l => l.Key, l => l.Value),
                Ports = i.Ports is { Count: > 0 } ports ? ports.ToDictionary(p => p.Name, p => Consul.ConsulMeta.PortValue(p.Port, p.TargetPort)) : null,
                ServiceAccount = i.ServiceAccount,
            }).ToList(),
            Services = state.Instances.Keys.Select(k => $"{k.Name}.{k.Namespace}").ToList(),
        };
        try
        {
            WriteReplacing(Path, JsonSerializer.SerializeToUtf8Bytes(file, StateFileJsonContext.Default.StateFileModel));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(logger, ex, Path);
        }
    }

    /// <summary>
    /// Writes a state file whole or not at all: into <c>PATH.tmp</c>, then renamed over <paramref name="path"/> (its
    /// directory created), so a reader or a crash never sees half a file.
    /// </summary>
    /// <exception cref="IOException">The directory or file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory or file is not the process's to write.</exception>
    public static void WriteReplacing(string path, byte[] content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public MeshState? TryLoad(string defaultNamespace, out DateTimeOffset savedAt, out string? error)
    {
        savedAt = default;
        error = null;
        StateFileModel? file;
        try
        {
            if (!File.Exists(Path))
            {
                error = "no file";
                return null;
            }

            file = JsonSerializer.Deserialize(File.ReadAllBytes(Path), StateFileJsonContext.Default.StateFileModel);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            error = ex.Message;
            return null;
        }

        if (file is null)
        {
            error = "empty file";
            return null;
        }

        savedAt = file.SavedAt;
        var documents = new List<MeshDocument>();
        var errors = new List<ConfigError>();
        foreach (var config in file.Config)
        {
            var parsed = MeshDocumentParser.Parse(config.Text, $"{Path} ({config.Key})");
            documents.AddRange(parsed.Documents.Select(d => d.Metadata.Namespace is null ? d with { Metadata = d.Metadata with { Namespace = defaultNamespace } } : d));
            errors.AddRange(parsed.Errors);
        }

        var instances = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>();
        foreach (var name in file.Services)
        {
            var dot = name.LastIndexOf('.');
            instances[new ServiceKey(name[..dot], name[(dot + 1)..])] = [];
        }

        foreach (var group in file.Instances.GroupBy(i => new ServiceKey(i.Service, i.Namespace)))
        {
            instances[group.Key] = group.Select(i => new ServiceInstance(group.Key, i.Id, i.Address, i.Port, i.Labels, Ports: ReadPorts(i.Ports), ServiceAccount: i.ServiceAccount)).ToArray();
        }

        return new MeshState(documents, errors, instances) { ConfigTexts = file.Config.Select(c => (c.Key, c.Text)).ToList() };
    }

    private static Configuration.Internal.ValueList<InstancePort>? ReadPorts(Dictionary<string, string>? ports)
    {
        if (ports is not { Count: > 0 })
        {
            return null;
        }

        var read = ports
            .Select(p => Consul.ConsulMeta.TryParsePort(Consul.ConsulMeta.PortPrefix + p.Key, p.Value, out var port) ? port : null)
            .OfType<InstancePort>()
            .OrderBy(p => p.Port)
            .ToArray();
        return read.Length == 0 ? null : new Configuration.Internal.ValueList<InstancePort>(read);
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.StateFileSaveFailed, LogLevel.Warning, "Could not persist the mesh state to {Path}; a cold start without the registry will not route")]
        public static partial void SaveFailed(ILogger logger, Exception exception, string path);
    }
}

internal sealed class StateFileModel
{
    public DateTimeOffset SavedAt { get; set; }

    public List<StateFileConfig> Config { get; set; } = [];

    public List<StateFileInstance> Instances { get; set; } = [];

    public List<string> Services { get; set; } = [];
}

internal sealed class StateFileConfig
{
    public string Key { get; set; } = "";

    public string Text { get; set; } = "";
}

internal sealed class StateFileInstance
{
    public string Service { get; set; } = "";

    public string Namespace { get; set; } = "";

    public string Id { get; set; } = "";

    public string Address { get; set; } = "";

    public int Port { get; set; }

    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Gets or sets the named ports, as Consul Meta writes them: name to <c>port</c> or <c>port:targetPort</c>; null when none.</summary>
    public Dictionary<string, string>? Ports { get; set; }

    /// <summary>Gets or sets the service account the instance runs as (the identity mTLS expects); null for the service's name.</summary>
    public string? ServiceAccount { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StateFileModel))]
internal sealed partial class StateFileJsonContext : JsonSerializerContext;
