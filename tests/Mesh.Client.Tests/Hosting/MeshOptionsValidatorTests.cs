using Mesh.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting.Tests;

public class MeshOptionsValidatorTests
{
    private readonly MeshOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(_validator.Validate(null, new MeshOptions()).Succeeded);
    }

    [Fact]
    public void Validate_FullValidOptions_Succeeds()
    {
        using var directory = new TempDirectory();
        var options = new MeshOptions { Registry = "static", Static = { ConfigDirectory = directory.Path } };
        options.Static.Services["reviews"] = [new StaticInstanceOptions { Address = "10.0.0.1", Port = 9080 }];

        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_XdsRegistry_MissingBootstrapFile_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mesh-missing-{Guid.NewGuid():N}.json");
        var result = _validator.Validate(null, new MeshOptions { Registry = "Xds", Xds = { Bootstrap = path } });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains($"xDS bootstrap file '{path}' cannot be read", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Kubernetes")]
    [InlineData("")]
    public void Validate_UnknownRegistry_NamesItAndTheSupportedOne(string registry)
    {
        var result = _validator.Validate(null, new MeshOptions { Registry = registry });

        Assert.Equal([$"Mesh:Registry '{registry}' is not a registry Mesh knows; use 'Static', 'Consul' or 'Xds'."], result.Failures);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Validate_EmptyNamespace_Fails(string ns)
    {
        var result = _validator.Validate(null, new MeshOptions { Namespace = ns });

        Assert.Equal(["Mesh:Namespace is empty; set it or remove it (the default is 'default')."], result.Failures);
    }

    [Fact]
    public void Validate_MissingConfigDirectory_NamesThePathAndItsFullForm()
    {
        var directory = Path.Combine("no-such-dir-" + Guid.NewGuid().ToString("N"), "networking");

        var result = _validator.Validate(null, new MeshOptions { Static = { ConfigDirectory = directory } });

        Assert.Equal([$"Mesh:Static:ConfigDirectory '{directory}' does not exist ({Path.GetFullPath(directory)}); create it or fix the path (a relative path is resolved against the current directory, which for 'dotnet run --project' is the project's)."], result.Failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Validate_BadPort_NamesTheInstanceAndThePort(int port)
    {
        var options = new MeshOptions();
        options.Static.Services["reviews"] =
        [
            new StaticInstanceOptions { Address = "10.0.0.1", Port = 9080 },
            new StaticInstanceOptions { Address = "10.0.0.2", Port = port },
        ];

        var result = _validator.Validate(null, options);

        Assert.Equal([$"Mesh:Static:Services:reviews:1:Port is {port}; set the instance's port (1-65535)."], result.Failures);
    }

    [Fact]
    public void Validate_BadNamedPorts_NameEachPortAndTheFix()
    {
        var options = new MeshOptions();
        options.Static.Services["ratings"] =
        [
            new StaticInstanceOptions
            {
                Port = 9080,
                Ports =
                {
                    new NamedPortOptions { Name = "grpc", Port = 9090 },
                    new NamedPortOptions { Name = "grpc", Port = 9091, TargetPort = 70000 },
                    new NamedPortOptions { Name = "grpc ratings", Port = 9090 },
                    new NamedPortOptions { Name = "metrics" },
                },
            },
        ];

        var result = _validator.Validate(null, options);

        Assert.Equal(
            [
                "Mesh:Static:Services:ratings:0:Ports:1:Name 'grpc' is listed twice; name each port once.",
                "Mesh:Static:Services:ratings:0:Ports:1:TargetPort is 70000; use 1-65535, or leave it out for the service port itself.",
                "Mesh:Static:Services:ratings:0:Ports:2:Name 'grpc ratings' is not a port name; use 1-63 letters, digits, '-' or '_' (such as 'grpc-ratings').",
                "Mesh:Static:Services:ratings:0:Ports:2:Port 9090 is listed twice; a service port names one port.",
                "Mesh:Static:Services:ratings:0:Ports:3:Port is 0; set the service port callers name (1-65535).",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_ConsulRegisterPorts_Checked()
    {
        var options = new MeshOptions { Registry = "Consul" };
        options.Consul.RegisterPorts.Add(new NamedPortOptions { Name = "", Port = 9090 });

        var result = _validator.Validate(null, options);

        Assert.Contains("Mesh:Consul:RegisterPorts:0:Name '' is not a port name; use 1-63 letters, digits, '-' or '_' (such as 'grpc-ratings').", result.Failures!);
    }

    [Fact]
    public void Validate_EmptyAddress_NamesTheInstance()
    {
        var options = new MeshOptions();
        options.Static.Services["ratings"] = [new StaticInstanceOptions { Address = " ", Port = 9080 }];

        var result = _validator.Validate(null, options);

        Assert.Equal(["Mesh:Static:Services:ratings:0:Address is empty; set the instance's address."], result.Failures);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*.example.com")]
    [InlineData(" ")]
    public void Validate_BadServiceName_Fails(string service)
    {
        var options = new MeshOptions();
        options.Static.Services[service] = [new StaticInstanceOptions { Port = 9080 }];

        var result = _validator.Validate(null, options);

        Assert.Equal([$"Mesh:Static:Services '{service}' is not a service name."], result.Failures);
    }

    [Fact]
    public void Validate_SeveralProblems_AllReported()
    {
        var options = new MeshOptions { Namespace = "", Registry = "Kubernetes", Static = { ConfigDirectory = "missing-" + Guid.NewGuid().ToString("N") } };
        options.Static.Services["reviews"] = [new StaticInstanceOptions { Address = "", Port = 0 }];

        var result = _validator.Validate(null, options);

        Assert.Equal(
            [
                "Mesh:Namespace is empty; set it or remove it (the default is 'default').",
                "Mesh:Registry 'Kubernetes' is not a registry Mesh knows; use 'Static', 'Consul' or 'Xds'.",
                $"Mesh:Static:ConfigDirectory '{options.Static.ConfigDirectory}' does not exist ({Path.GetFullPath(options.Static.ConfigDirectory)}); create it or fix the path (a relative path is resolved against the current directory, which for 'dotnet run --project' is the project's).",
                "Mesh:Static:Services:reviews:0:Port is 0; set the instance's port (1-65535).",
                "Mesh:Static:Services:reviews:0:Address is empty; set the instance's address.",
            ],
            result.Failures);
    }

    [Fact]
    public void AddMesh_InvalidOptions_ResolvingThemThrowsWithTheMessages()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddMesh(o => o.Registry = "Kubernetes");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        Assert.Equal(["Mesh:Registry 'Kubernetes' is not a registry Mesh knows; use 'Static', 'Consul' or 'Xds'."], ex.Failures);
    }
}
