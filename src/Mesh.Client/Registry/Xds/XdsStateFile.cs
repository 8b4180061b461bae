using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Mesh.Registry.Xds;

/// <summary>
/// The last accepted xDS resources on disk (type URL, name, the resource's protobuf bytes in base64), written atomically
/// after every applied snapshot in the same per-user directory as the Consul registry's state file, read back on a cold start.
/// </summary>
internal sealed partial class XdsStateFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The default file: <c>{state}/{service}-{namespace}.xds-state.json</c>, {state} as <see cref="MeshStateFile.DefaultDirectory"/>.</summary>
    public static string DefaultPath(string service, string ns) =>
        System.IO.Path.Combine(MeshStateFile.DefaultDirectory(Environment.GetEnvironmentVariable), $"{(service.Length > 0 ? service : "client")}-{ns}.xds-state.json");

    public void Save(IReadOnlyList<Entry> entries, DateTimeOffset now, ILogger logger)
    {
        var model = new Model { SavedAt = now, Resources = [.. entries] };
        try
        {
            MeshStateFile.WriteReplacing(Path, JsonSerializer.SerializeToUtf8Bytes(model, XdsStateJsonContext.Default.Model));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(logger, ex, Path);
        }
    }

    public IReadOnlyList<Entry>? TryLoad(out DateTimeOffset savedAt, out string? error)
    {
        savedAt = default;
        error = null;
        try
        {
            if (!File.Exists(Path))
            {
                error = "no file";
                return null;
            }

            var model = JsonSerializer.Deserialize(File.ReadAllBytes(Path), XdsStateJsonContext.Default.Model);
            if (model is null)
            {
                error = "empty file";
                return null;
            }

            savedAt = model.SavedAt;
            return model.Resources;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>One resource: its type URL, name and protobuf bytes (base64).</summary>
    internal sealed record Entry(string TypeUrl, string Name, string Value);

    internal sealed class Model
    {
        public DateTimeOffset SavedAt { get; set; }

        public List<Entry> Resources { get; set; } = [];
    }

    private static partial class Log
    {
        [LoggerMessage(Telemetry.MeshEventIds.XdsStateFileSaveFailed, LogLevel.Warning, "Mesh xDS: could not persist the last good state to {Path}; a cold start without the xDS server will not route")]
        public static partial void SaveFailed(ILogger logger, Exception exception, string path);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(XdsStateFile.Model))]
internal sealed partial class XdsStateJsonContext : JsonSerializerContext;
