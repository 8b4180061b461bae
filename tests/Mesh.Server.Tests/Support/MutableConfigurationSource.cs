using Microsoft.Extensions.Configuration;

namespace Mesh.Server.Tests.Support;

/// <summary>Configuration a test replaces whole while the server runs (as an edited appsettings.json would): Mesh options reload from it.</summary>
internal sealed class MutableConfigurationSource : IConfigurationSource
{
    public Provider Current { get; } = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Current;

    internal sealed class Provider : ConfigurationProvider
    {
        public void Replace(IDictionary<string, string?> values)
        {
            Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
