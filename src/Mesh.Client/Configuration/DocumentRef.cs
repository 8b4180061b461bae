namespace Mesh.Configuration;

internal static class DocumentRef
{
    public static string Describe(string kind, string? ns, string? name, DocumentSource? source)
    {
        var id = $"{kind} {ns ?? "<default>"}/{(string.IsNullOrEmpty(name) ? "<unnamed>" : name)}";
        return source is null ? id : $"{id} ({source})";
    }
}
