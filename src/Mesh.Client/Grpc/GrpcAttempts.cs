using Mesh.Runtime;

namespace Mesh.Grpc;

/// <summary>
/// What the attempts of one call share between <see cref="MeshGrpcInterceptor"/> and <see cref="MeshPicker"/>: the
/// endpoint the last attempt went to, so that a retry goes elsewhere (Envoy's previous-hosts predicate, which Istio
/// sets on every retry policy). Grpc.Net.Client gives the picker nothing from the caller (grpc-dotnet #1835); the
/// picker runs synchronously in the execution context the call was started in, so an async-local carries it.
/// </summary>
internal sealed class GrpcAttempts
{
    private static readonly AsyncLocal<GrpcAttempts?> CurrentAttempts = new();

    /// <summary>Gets the attempts of the call being started on this execution context, or null outside the interceptor.</summary>
    public static GrpcAttempts? Current => CurrentAttempts.Value;

    /// <summary>Gets or sets the endpoint the last attempt was sent to.</summary>
    public MeshEndpoint? Previous { get; set; }

    /// <summary>Starts an attempt with these attempts in scope: the call captures them when it starts; the caller's context is left as it was.</summary>
    public T Start<T>(Func<T> start)
    {
        var outer = CurrentAttempts.Value;
        CurrentAttempts.Value = this;
        try
        {
            return start();
        }
        finally
        {
            CurrentAttempts.Value = outer;
        }
    }
}
