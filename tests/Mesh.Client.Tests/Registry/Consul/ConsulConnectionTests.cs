using Mesh.Registry.Consul;

namespace Mesh.Client.Tests.Registry.Consul;

public sealed class ConsulConnectionTests
{
    [Theory]
    [InlineData("127.0.0.1:8500", "http://127.0.0.1:8500/")]
    [InlineData("http://consul:8500", "http://consul:8500/")]
    [InlineData("https://consul.example:8501/ui", "https://consul.example:8501/")]
    public void ParseAddress_AcceptsWhatTheConsulCliAccepts(string text, string expected) =>
        Assert.Equal(new Uri(expected), ConsulConnection.ParseAddress(text));

    [Theory]
    [InlineData("ftp://consul")]
    [InlineData("http://")]
    public void ParseAddress_Rejects_NamingTheValue(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => ConsulConnection.ParseAddress(text));
        Assert.Contains($"'{text}' is not a Consul address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ExplicitValuesWinOverTheEnvironment()
    {
        var connection = ConsulConnection.Resolve("http://explicit:1", "explicit-token", "dc2", null);

        Assert.Equal(new Uri("http://explicit:1/"), connection.Address);
        Assert.Equal("explicit-token", connection.Token);
        Assert.Equal("dc2", connection.Datacenter);
    }
}
