using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using Mesh.Server.Tests.Support;
using Mesh.Server.Xds;

namespace Mesh.Server.Tests.Xds;

/// <summary>The caller identity a node declares, as istio-agent writes it.</summary>
public sealed class XdsNodeIdentityTests
{
    [Fact]
    public void From_MetadataNamespaceAndLabels()
    {
        var identity = XdsNodeIdentity.From(AdsTestClient.Node(@namespace: "shop", labels: new Dictionary<string, string> { ["app"] = "cart", ["version"] = "v2" }), "default");

        Assert.Equal("shop", identity.Namespace);
        Assert.Equal("cart", identity.Service);
        Assert.Equal("v2", identity.Labels["version"]);
        Assert.Equal("10.0.0.7", identity.SourceAddress);
    }

    [Fact]
    public void From_NoMetadata_NamespaceOfAnIstioNodeId()
    {
        var identity = XdsNodeIdentity.From(new Node { Id = "sidecar~10.1.2.3~ratings-v1-abc.bookinfo~bookinfo.svc.cluster.local" }, "default");

        Assert.Equal("bookinfo", identity.Namespace);
        Assert.Empty(identity.Labels);
        Assert.Equal("10.1.2.3", identity.SourceAddress);
    }

    [Fact]
    public void From_PlainNodeId_ServerNamespace()
    {
        var node = new Node { Id = "my-client", Metadata = new Struct() };

        Assert.Equal("mesh", XdsNodeIdentity.From(node, "mesh").Namespace);
    }

    [Fact]
    public void KeyOf_SameNamespaceAndLabels_SameKey_WhateverTheOrder()
    {
        var a = XdsNodeIdentity.From(AdsTestClient.Node(id: "a", labels: new Dictionary<string, string> { ["app"] = "x", ["version"] = "v1" }), "default");
        var b = XdsNodeIdentity.From(AdsTestClient.Node(id: "b", labels: new Dictionary<string, string> { ["version"] = "v1", ["app"] = "x" }), "default");
        var c = XdsNodeIdentity.From(AdsTestClient.Node(id: "c", labels: new Dictionary<string, string> { ["app"] = "x", ["version"] = "v2" }), "default");

        Assert.Equal(XdsNodeIdentity.KeyOf(a), XdsNodeIdentity.KeyOf(b));
        Assert.NotEqual(XdsNodeIdentity.KeyOf(a), XdsNodeIdentity.KeyOf(c));
    }
}
