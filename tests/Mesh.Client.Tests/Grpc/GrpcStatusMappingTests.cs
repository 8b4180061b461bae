using Grpc.Core;
using Mesh.Configuration;
using Mesh.Resilience;
using Mesh.Tests;

namespace Mesh.Grpc.Tests;

public class GrpcStatusMappingTests
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(418, StatusCode.Unknown)]
    public void FromHttp_AsGrpcMapsAnHttpStatus(int http, StatusCode expected) =>
        Assert.Equal(expected, GrpcStatusMapping.FromHttp(http));

    [Theory]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.DeadlineExceeded, 504)]
    [InlineData(StatusCode.Internal, 500)]
    [InlineData(StatusCode.Unknown, 500)]
    [InlineData(StatusCode.OK, 200)]
    [InlineData(StatusCode.NotFound, 404)]
    [InlineData(StatusCode.ResourceExhausted, 429)]
    public void ToHttp_AsEnvoyMapsAGrpcStatus(StatusCode status, int expected) =>
        Assert.Equal(expected, GrpcStatusMapping.ToHttp(status));

    [Fact]
    public void FaultPolicy_AbortGrpcStatus_ReadByName()
    {
        var docs = TestMesh.Parse(GrpcYaml.AllTo("v1", "fault: { abort: { grpcStatus: RESOURCE_EXHAUSTED, percentage: { value: 50 } } }"));
        var route = Assert.IsType<VirtualService>(Assert.Single(docs)).Spec.Http[0];

        var fault = FaultPolicy.Create(route.Fault)!;

        Assert.Equal((8, 0, 50.0), (fault.AbortGrpcStatus, fault.AbortStatus, fault.AbortPercent));
    }

    [Theory]
    [InlineData("grpcStatus: NOPE", "abort.grpcStatus", "is 'NOPE'; use a gRPC status name other than OK")]
    [InlineData("grpcStatus: OK", "abort.grpcStatus", "is 'OK'")]
    [InlineData("grpcStatus: UNAVAILABLE, httpStatus: 503", "abort", "sets both httpStatus and grpcStatus")]
    public void Validate_BadGrpcAbort_ErrorNamesTheField(string abort, string field, string message)
    {
        var docs = TestMesh.Parse(GrpcYaml.Yaml(GrpcYaml.Rule(), GrpcYaml.AllTo("v1", $"fault: {{ abort: {{ {abort}, percentage: {{ value: 50 }} }} }}")));

        var error = Assert.Single(MeshConfigValidator.Validate(docs));

        Assert.EndsWith(field, error.Path, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
