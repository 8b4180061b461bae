namespace Mesh.Configuration;

/// <summary>gRPC's status codes by the names Istio's <c>abort.grpcStatus</c> takes (google.rpc.Code).</summary>
internal static class GrpcStatusCodes
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>Finds the code of a status name (upper case, as Istio writes it; a number is accepted too).</summary>
    public static bool TryParse(string name, out int code)
    {
        code = Array.IndexOf(Names, name);
        if (code >= 0)
        {
            return true;
        }

        return int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out code) && code < Names.Length;
    }

    public static string NameOf(int code) => (uint)code < (uint)Names.Length ? Names[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
