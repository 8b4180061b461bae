namespace Mesh.Configuration;

/// <summary>
/// Thrown when the host starts with invalid mesh config; <see cref="Errors"/> lists every error found,
/// each with its document, field path and fix. An invalid reload later is not thrown: it is logged
/// and counted (<c>mesh.config.updates</c>, <c>outcome=rejected</c>) and the last good config stays in force.
/// </summary>
public sealed class MeshConfigException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MeshConfigException"/> class.</summary>
    /// <param name="errors">Every error found.</param>
    public MeshConfigException(IReadOnlyList<ConfigError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Initializes a new instance of the <see cref="MeshConfigException"/> class.</summary>
    public MeshConfigException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MeshConfigException"/> class.</summary>
    /// <param name="message">The message.</param>
    public MeshConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Initializes a new instance of the <see cref="MeshConfigException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MeshConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Gets every error found.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Format(IReadOnlyList<ConfigError> errors) =>
        $"Mesh config is invalid ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):{Environment.NewLine}  " +
        string.Join(Environment.NewLine + "  ", errors);
}
