namespace Mesh.Configuration;

internal static class DocumentRef
{
    public static string Describe(string kind, string? ns, string? name, DocumentSource? source)
    {
        var shortName = string.IsNullOrEmpty(name) ? "<unnamed>" : name;
        var id = ns is null ? $"{kind} {shortName}" : $"{kind} {ns}/{shortName}";
        return source is null ? id : $"{id} ({source})";
    }
}
