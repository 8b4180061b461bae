using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Mesh.Telemetry.Tests;

/// <summary>Every message the library logs takes its event id from the one list, and no two share one.</summary>
public class MeshEventIdsTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    [Fact]
    public void MeshEventIds_Values_AreDistinct()
    {
        var ids = typeof(MeshEventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (f.Name, Id: (int)f.GetRawConstantValue()!))
            .ToList();

        Assert.NotEmpty(ids);
        Assert.Empty(ids.GroupBy(i => i.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(i => i.Name))}"));
    }

    [Fact]
    public void LoggerMessages_EventIds_ComeFromMeshEventIdsAndAreDistinct()
    {
        var declared = typeof(MeshEventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (int)f.GetRawConstantValue()!)
            .ToHashSet();
        var messages = typeof(MeshEventIds).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(Everything))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        Assert.NotEmpty(messages);
        Assert.Empty(messages.Where(m => !declared.Contains(m.Attribute!.EventId)).Select(m => $"{m.Method}: {m.Attribute!.EventId}"));
        Assert.Empty(messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}"));
    }
}
