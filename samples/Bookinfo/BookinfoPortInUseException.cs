using System.Net.Sockets;

namespace Bookinfo;

/// <summary>productpage's port (<c>--port</c>) cannot be bound: something else listens there, or the port needs privileges.</summary>
public sealed class BookinfoPortInUseException : IOException
{
    /// <summary>Initializes a new instance for <paramref name="port"/>.</summary>
    public BookinfoPortInUseException(int port, SocketException inner)
        : base(inner.SocketErrorCode == SocketError.AccessDenied
            ? $"--port {port}: binding 127.0.0.1:{port} is not allowed for this user; pick another port with --port N (0: any free port)."
            : $"--port {port}: 127.0.0.1:{port} is already in use; stop what listens there, or pick another port with --port N (0: any free port).", inner)
        => Port = port;

    /// <summary>Gets the port that could not be bound.</summary>
    public int Port { get; }
}
