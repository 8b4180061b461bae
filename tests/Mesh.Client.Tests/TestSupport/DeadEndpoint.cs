using System.Net;
using System.Net.Sockets;

namespace Mesh.Tests;

/// <summary>
/// A loopback port where no HTTP server answers, held for the test so nobody else takes it:
/// <see cref="Refusing"/> refuses connections (bound, not listening), <see cref="NotAcceptingAsync"/>
/// leaves them unanswered (listening, its accept queue full), so a connect times out.
/// </summary>
internal sealed class DeadEndpoint : IDisposable
{
    private readonly Socket _socket;
    private readonly List<Socket> _fillers = [];

    private DeadEndpoint(Socket socket)
    {
        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public static DeadEndpoint Refusing()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new DeadEndpoint(socket);
    }

    /// <summary>A listener that never accepts, with its accept queue filled until a connect no longer completes.</summary>
    public static DeadEndpoint NotAccepting()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(0);
        var endpoint = new DeadEndpoint(socket);
        for (var i = 0; i < 16; i++)
        {
            // A non-blocking connect, polled in the kernel: a busy thread pool cannot make a completed connect look pending.
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            endpoint._fillers.Add(filler);
            try
            {
                filler.Connect(IPAddress.Loopback, endpoint.Port);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
            }

            if (!filler.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectWrite))
            {
                return endpoint; // the queue is full: this connect, and the next, are left unanswered
            }
        }

        endpoint.Dispose();
        Assert.Fail("waited for a connect to a listener that never accepts to hang, but 16 connects completed; this platform does not leave connects unanswered when the accept queue is full");
        return null!;
    }

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _socket.Dispose();
    }
}
