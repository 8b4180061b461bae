namespace Bookinfo;

/// <summary>How many calls ratings answered, by protocol: what tells a reader (and a test) which API reviews used.</summary>
internal sealed class RatingsCalls
{
    private long _http;
    private long _grpc;

    public long Http => Interlocked.Read(ref _http);

    public long Grpc => Interlocked.Read(ref _grpc);

    public void CountHttp() => Interlocked.Increment(ref _http);

    public void CountGrpc() => Interlocked.Increment(ref _grpc);
}
