namespace Mesh.Server.Xds;

/// <summary>What one ADS stream knows of one resource type: the names subscribed, what was sent, what the client ACKed or NACKed.</summary>
internal sealed class XdsTypeState(string typeUrl)
{
    public string TypeUrl { get; } = typeUrl;

    /// <summary>Gets or sets the names the client's last request listed (each request carries the full set).</summary>
    public IReadOnlySet<string> Names { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    public string? SentVersion { get; set; }

    public string? SentNonce { get; set; }

    /// <summary>Gets or sets the resource names of the last response, to report what the client holds.</summary>
    public IReadOnlyList<string> SentNames { get; set; } = [];

    /// <summary>Gets or sets the resources of the last response (a push whose resources are these same objects sends nothing).</summary>
    public XdsResource[] SentResources { get; set; } = [];

    /// <summary>Gets or sets the version the client last accepted (its <c>version_info</c>).</summary>
    public string? AckedVersion { get; set; }

    /// <summary>Gets or sets the last version the client rejected; that exact content is not sent to it again.</summary>
    public string? NackedVersion { get; set; }

    /// <summary>Gets or sets the nonce of the last NACKed response; a repeated NACK of it is ignored.</summary>
    public string? NackedNonce { get; set; }

    public long NackCount { get; set; }

    public XdsNack? LastNack { get; set; }

    public XdsTypeStatus ToStatus() =>
        new(XdsTypes.ShortName(TypeUrl), TypeUrl, [.. Names.Order(StringComparer.Ordinal)], SentNames, SentVersion, AckedVersion, NackCount, LastNack);
}
