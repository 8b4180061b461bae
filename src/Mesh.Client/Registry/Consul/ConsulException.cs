using System.Net;

namespace Mesh.Registry.Consul;

/// <summary>Consul answered with an error, or could not be reached.</summary>
internal sealed class ConsulException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ConsulException"/> class.</summary>
    public ConsulException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConsulException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ConsulException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConsulException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ConsulException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConsulException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">Consul's status code.</param>
    public ConsulException(string message, HttpStatusCode statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets Consul's status code; null when Consul could not be reached.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets a value indicating whether Consul could not be reached at all.</summary>
    public bool IsUnreachable => StatusCode is null;
}
