namespace Mesh.LoadBalancing;

/// <summary>Where a consistent-hash key comes from.</summary>
internal enum HashKeySource
{
    Header,
    Cookie,
    QueryParameter,
    SourceIp,
}
