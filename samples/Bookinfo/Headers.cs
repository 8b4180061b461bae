using Grpc.Core;

namespace Bookinfo;

/// <summary>The headers Bookinfo's services pass along on their calls, as Istio's do (the user and trace context).</summary>
internal static class Headers
{
    public const string EndUser = "end-user";

    private static readonly string[] Forwarded = [EndUser, "x-request-id", "traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled"];

    public static void Forward(HttpRequest incoming, HttpRequestMessage outgoing)
    {
        foreach (var name in Forwarded)
        {
            if (incoming.Headers.TryGetValue(name, out var values))
            {
                outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    /// <summary>The same headers as gRPC metadata, for a call to a gRPC API.</summary>
    public static Metadata ToMetadata(HttpRequest incoming)
    {
        var metadata = new Metadata();
        foreach (var name in Forwarded)
        {
            if (incoming.Headers.TryGetValue(name, out var values))
            {
                foreach (var value in values)
                {
                    if (value is not null)
                    {
                        metadata.Add(name, value);
                    }
                }
            }
        }

        return metadata;
    }
}
