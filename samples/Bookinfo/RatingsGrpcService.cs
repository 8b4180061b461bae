using Bookinfo.RatingsV1;
using Grpc.Core;

namespace Bookinfo;

/// <summary>ratings' gRPC API, <c>bookinfo.ratings.v1.Ratings</c>: the same ratings as its HTTP API.</summary>
internal sealed class RatingsGrpcService(RatingsCalls calls) : RatingsV1.Ratings.RatingsBase
{
    public override Task<GetRatingsResponse> GetRatings(GetRatingsRequest request, ServerCallContext context)
    {
        calls.CountGrpc();
        var response = new GetRatingsResponse { Id = request.ProductId };
        response.Ratings.Add(Ratings.For(request.ProductId));
        return Task.FromResult(response);
    }
}
