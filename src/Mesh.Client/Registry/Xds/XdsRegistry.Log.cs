using Microsoft.Extensions.Logging;
using Ids = Mesh.Telemetry.MeshEventIds;

namespace Mesh.Registry.Xds;

internal sealed partial class XdsRegistry
{
    private static partial class Log
    {
        [LoggerMessage(Ids.XdsConnected, LogLevel.Information, "Mesh xDS: ADS stream to {Server} answered")]
        public static partial void Connected(ILogger logger, string server);

        [LoggerMessage(Ids.XdsStreamFailed, LogLevel.Warning, "Mesh xDS: ADS stream to {Server} failed ({Reason}); the last good state stays in force, retrying with back-off")]
        public static partial void StreamFailed(ILogger logger, string server, string reason);

        [LoggerMessage(Ids.XdsStreamEnded, LogLevel.Information, "Mesh xDS: ADS stream to {Server} ended ({Reason}); retrying with back-off")]
        public static partial void StreamEnded(ILogger logger, string server, string reason);

        [LoggerMessage(Ids.XdsSubscribed, LogLevel.Debug, "Mesh xDS: subscribed to listener {Listener}")]
        public static partial void Subscribed(ILogger logger, string listener);

        [LoggerMessage(Ids.XdsNacked, LogLevel.Error, "Mesh xDS: {Type} version {Version} NACKed; the last good resources stay in force: {Errors}")]
        public static partial void Nacked(ILogger logger, string type, string version, string errors);

        [LoggerMessage(Ids.XdsDoesNotExist, LogLevel.Warning, "Mesh xDS: listener {Listener} was not sent within {Seconds} s; taken not to exist")]
        public static partial void DoesNotExist(ILogger logger, string listener, double seconds);

        [LoggerMessage(Ids.XdsDeleted, LogLevel.Information, "Mesh xDS: {Type} resource {Name} deleted (left out of a state-of-the-world response)")]
        public static partial void Deleted(ILogger logger, string type, string name);

        [LoggerMessage(Ids.XdsUnknownType, LogLevel.Warning, "Mesh xDS: a response of type {TypeUrl}, never subscribed, ignored")]
        public static partial void UnknownType(ILogger logger, string typeUrl);

        [LoggerMessage(Ids.XdsColdStartFromFile, LogLevel.Warning, "Mesh xDS: serving the state persisted in {Path} at {SavedAt} ({Listeners} listener(s)) until the xDS server answers")]
        public static partial void ColdStartFromFile(ILogger logger, string path, DateTimeOffset savedAt, int listeners);

        [LoggerMessage(Ids.XdsNoPersistedState, LogLevel.Debug, "Mesh xDS: no persisted state in {Path} ({Reason})")]
        public static partial void NoPersistedState(ILogger logger, string path, string reason);
    }
}
