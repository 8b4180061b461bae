using Mesh.Configuration;
using Mesh.Configuration.Internal;
using Mesh.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Registry.Static;

/// <summary>
/// The embedded registry: instances from <see cref="StaticRegistryOptions.Services"/> (reloaded with
/// configuration) and documents from the files of <see cref="StaticRegistryOptions.ConfigDirectory"/>
/// (reloaded shortly after a file changes).
/// </summary>
internal sealed partial class StaticRegistry : IMeshStateSource, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(150);
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    private readonly IOptionsMonitor<MeshOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDisposable? _optionsSubscription;
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private string? _watchedDirectory;

    public StaticRegistry(IOptionsMonitor<MeshOptions> options, TimeProvider time, ILogger<StaticRegistry> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _optionsSubscription = options.OnChange(_ => OnChange());
        Watch(options.CurrentValue.Static.ConfigDirectory);
    }

    public event Action? Changed;

    public MeshState Read()
    {
        var options = _options.CurrentValue;
        Watch(options.Static.ConfigDirectory);
        var (documents, errors, skipped) = ReadDirectory(options.Static.ConfigDirectory);
        foreach (var document in skipped)
        {
            Log.Skipped(_logger, document.ToString());
        }

        return new MeshState(documents, errors, ReadInstances(options));
    }

    /// <summary>Reads every *.yaml, *.yml and *.json file of <paramref name="directory"/>, in name order.</summary>
    public static (IReadOnlyList<MeshDocument> Documents, IReadOnlyList<ConfigError> Errors, IReadOnlyList<SkippedDocument> Skipped) ReadDirectory(string? directory)
    {
        var documents = new List<MeshDocument>();
        var errors = new List<ConfigError>();
        var skipped = new List<SkippedDocument>();
        if (string.IsNullOrEmpty(directory))
        {
            return (documents, errors, skipped);
        }

        if (!Directory.Exists(directory))
        {
            errors.Add(new ConfigError(directory, "", "the config directory does not exist"));
            return (documents, errors, skipped);
        }

        foreach (var file in Directory.EnumerateFiles(directory).Where(IsConfigFile).Order(StringComparer.Ordinal))
        {
            string text;
            try
            {
                if (!Configuration.Internal.DocumentLimits.TryReadFile(file, out text, out var tooLarge))
                {
                    errors.Add(tooLarge!);
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new ConfigError(file, "", $"could not be read: {ex.Message}"));
                continue;
            }

            var result = MeshDocumentParser.Parse(text, file);
            documents.AddRange(result.Documents);
            errors.AddRange(result.Errors);
            skipped.AddRange(result.Skipped);
        }

        return (documents, errors, skipped);
    }

    private static bool IsConfigFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase) && !Path.GetFileName(path).StartsWith('.');

    private static Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>> ReadInstances(MeshOptions options)
    {
        var result = new Dictionary<ServiceKey, IReadOnlyList<ServiceInstance>>();
        foreach (var (name, instances) in options.Static.Services)
        {
            var key = ServiceKey.Parse(name, options.Namespace);
            result[key] = instances
                .Select(i => new ServiceInstance(
                    key,
                    i.Id ?? $"{i.Address}:{i.Port}",
                    i.Address,
                    i.Port,
                    new Dictionary<string, string>(i.Labels, StringComparer.Ordinal),
                    Ports: i.Ports.Count == 0 ? null : new ValueList<InstancePort>(i.Ports.Select(p => new InstancePort(p.Name, p.Port, p.TargetPort ?? p.Port))),
                    ServiceAccount: i.ServiceAccount))
                .ToArray();
        }

        return result;
    }

    private void Watch(string? directory)
    {
        lock (_gate)
        {
            var full = string.IsNullOrEmpty(directory) || !Directory.Exists(directory) ? null : Path.GetFullPath(directory);
            if (full == _watchedDirectory)
            {
                return;
            }

            _watcher?.Dispose();
            _watcher = null;
            _watchedDirectory = full;
            if (full is null)
            {
                return;
            }

            _watcher = new FileSystemWatcher(full) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime };
            _watcher.Changed += (_, e) => OnFileEvent(e.FullPath);
            _watcher.Created += (_, e) => OnFileEvent(e.FullPath);
            _watcher.Deleted += (_, e) => OnFileEvent(e.FullPath);
            _watcher.Renamed += (_, e) => OnFileEvent(e.FullPath);
            _watcher.Error += (_, _) => OnChange();
            _watcher.EnableRaisingEvents = true;
            Log.Watching(_logger, full);
        }
    }

    private void OnFileEvent(string path)
    {
        if (IsConfigFile(path))
        {
            OnChange();
        }
    }

    /// <summary>Coalesces bursts of events (an editor's save is several) into one reload after a short quiet time.</summary>
    private void OnChange()
    {
        lock (_gate)
        {
            _debounce ??= _time.CreateTimer(_ => Changed?.Invoke(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _optionsSubscription?.Dispose();
        lock (_gate)
        {
            _watcher?.Dispose();
            _debounce?.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.ConfigDocumentSkipped, LogLevel.Information, "Mesh config: {Document}")]
        public static partial void Skipped(ILogger logger, string document);

        [LoggerMessage(Telemetry.MeshEventIds.StaticConfigWatching, LogLevel.Debug, "Watching {Directory} for mesh config changes")]
        public static partial void Watching(ILogger logger, string directory);
    }
}
