namespace Mesh.Registry.Xds;

/// <summary>The gRPC bootstrap file is missing or says something Mesh cannot use; the message names the file (or variable) and the field.</summary>
internal sealed class XdsBootstrapException(string message, Exception? inner = null) : Exception(message, inner);
