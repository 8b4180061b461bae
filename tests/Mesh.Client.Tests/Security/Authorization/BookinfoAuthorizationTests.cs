using Mesh.Configuration;
using Mesh.Snapshot;
using Mesh.Tests;
using static Mesh.Security.Authorization.Tests.AuthorizationTestRequests;

namespace Mesh.Security.Authorization.Tests;

/// <summary>Istio's "Authorization for HTTP traffic" task, step by step, with its files in samples/Bookinfo/security.</summary>
public class BookinfoAuthorizationTests
{
    private static readonly string[] Steps = ["allow-nothing", "productpage-viewer", "details-viewer", "reviews-viewer", "ratings-viewer"];

    private static string Principal(string service) => $"cluster.local/ns/default/sa/bookinfo-{service}";

    [Fact]
    public void TaskFiles_ParseAndValidate()
    {
        var documents = Steps.SelectMany(Load).ToList();

        Assert.Equal(Steps, documents.Select(d => d.Metadata.Name));
        Assert.All(documents, d => Assert.Equal("security.istio.io/v1beta1", d.ApiVersion));
        Assert.Empty(MeshConfigValidator.Validate(documents));
    }

    [Fact]
    public void Step1_AllowNothing_DeniesTheProductPage()
    {
        var productpage = Evaluator("productpage", 1);

        Assert.False(productpage.Evaluate(Get(principal: null)).Allowed);
    }

    [Fact]
    public void Step2_ProductPageViewer_AllowsGetOfTheProductPageOnly()
    {
        Assert.True(Evaluator("productpage", 2).Evaluate(Get(principal: null)).Allowed);
        Assert.False(Evaluator("productpage", 2).Evaluate(Get(principal: null, method: "POST")).Allowed);
        Assert.False(Evaluator("details", 2).Evaluate(Get("/details/0", Principal("productpage"))).Allowed);
        Assert.False(Evaluator("reviews", 2).Evaluate(Get("/reviews/0", Principal("productpage"))).Allowed);
    }

    [Fact]
    public void Step4_DetailsAndReviewsViewers_AllowProductPageOnly()
    {
        Assert.True(Evaluator("details", 4).Evaluate(Get("/details/0", Principal("productpage"))).Allowed);
        Assert.True(Evaluator("reviews", 4).Evaluate(Get("/reviews/0", Principal("productpage"))).Allowed);
        Assert.False(Evaluator("details", 4).Evaluate(Get("/details/0", Principal("reviews"))).Allowed);
        Assert.False(Evaluator("reviews", 4).Evaluate(Get("/reviews/0", principal: null)).Allowed);
        Assert.False(Evaluator("details", 4).Evaluate(Get("/details/0", Principal("productpage"), method: "POST")).Allowed);

        // "Ratings service currently unavailable": reviews may not call ratings yet.
        Assert.False(Evaluator("ratings", 4).Evaluate(Get("/ratings/0", Principal("reviews"))).Allowed);
    }

    [Fact]
    public void Step5_RatingsViewer_AllowsReviewsToCallRatings()
    {
        Assert.True(Evaluator("ratings", 5).Evaluate(Get("/ratings/0", Principal("reviews"))).Allowed);
        Assert.False(Evaluator("ratings", 5).Evaluate(Get("/ratings/0", Principal("productpage"))).Allowed);
    }

    private static IReadOnlyList<MeshDocument> Load(string name)
    {
        var path = Path.Combine(RepoPaths.Root, "samples", "Bookinfo", "security", name + ".yaml");
        var result = MeshDocumentParser.Parse(File.ReadAllText(path), path);
        Assert.Empty(result.Errors);
        return result.Documents;
    }

    /// <summary>The evaluator of <paramref name="service"/>'s workload after the first <paramref name="steps"/> steps of the task.</summary>
    private static AuthorizationEvaluator Evaluator(string service, int steps)
    {
        var identity = new MeshIdentity(service, "default", new Dictionary<string, string> { ["version"] = "v1" }, "127.0.0.1");
        var snapshot = TestMesh.Snapshot([.. Steps.Take(steps).SelectMany(Load)], [], identity);
        return AuthorizationEvaluator.Compile(snapshot.AuthorizationPolicies, "default");
    }
}
