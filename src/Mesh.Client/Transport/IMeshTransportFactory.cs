namespace Mesh.Transport;

/// <summary>
/// Builds the handler at the bottom of a mesh connection pool. The default builds a
/// <see cref="SocketsHttpHandler"/> from the settings; tests put a stand-in for the network here, as
/// YARP's <c>IForwarderHttpClientFactory</c> allows.
/// </summary>
internal interface IMeshTransportFactory
{
    HttpMessageHandler Create(TransportSettings settings);
}
