using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bookinfo;
using Mesh.Configuration;
using Mesh.Snapshot;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bookinfo.Tests;

/// <summary>Bookinfo started in-process on free loopback ports, with a config directory of its own.</summary>
internal sealed partial class BookinfoHarness : IAsyncDisposable
{
    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(10);

    /// <summary>What <see cref="KubectlApplyAsync"/> has applied so far: one document per kind and name, as a namespace holds them.</summary>
    private readonly SortedDictionary<string, (string Text, MeshDocument Document)> _applied = new(StringComparer.Ordinal);

    /// <summary>The same browser (its cookies) for sign in and out, without following the redirect to the page: the test loads the page itself, and times it.</summary>
    private readonly HttpClient _forms;

    private BookinfoHarness(BookinfoApp app, string configDirectory, string? caDirectory)
    {
        App = app;
        ConfigDirectory = configDirectory;
        CaDirectory = caDirectory;
        var cookies = new CookieContainer();
        Browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = true }) { BaseAddress = app.ProductPageUrl };
        _forms = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = app.ProductPageUrl };
    }

    public BookinfoApp App { get; }

    public string ConfigDirectory { get; }

    /// <summary>Gets this run's own local CA directory (never the developer's per-user one), or null with mTLS off.</summary>
    public string? CaDirectory { get; }

    /// <summary>Gets a client that keeps cookies, as a browser would.</summary>
    public HttpClient Browser { get; }

    /// <summary>
    /// Starts Bookinfo as the command line does by default, with mTLS (unless <paramref name="mtls"/> is false) and a local CA
    /// of its own in a temporary directory; reviews calls ratings over <paramref name="ratingsProtocol"/> (<c>http</c> or <c>grpc</c>).
    /// </summary>
    public static async Task<BookinfoHarness> StartAsync(string ratingsProtocol = BookinfoOptions.Http, bool mtls = true)
    {
        var directory = Directory.CreateTempSubdirectory("bookinfo-config-").FullName;
        var ca = mtls ? Directory.CreateTempSubdirectory("bookinfo-ca-").FullName : null;
        var app = await BookinfoApp.StartAsync(
            new BookinfoOptions { ProductPagePort = 0, ConfigDirectory = directory, RatingsProtocol = ratingsProtocol, Mtls = mtls, CaDirectory = ca },
            TestContext.Current.CancellationToken);
        return new BookinfoHarness(app, directory, ca);
    }

    /// <summary>Gets the calls ratings answered, by protocol.</summary>
    public RatingsCalls RatingsCalls => App.Instances.Single(i => i.Service == "ratings").App.Services.GetRequiredService<RatingsCalls>();

    /// <summary>For the next test of a class fixture: no config (every service applied the empty directory), signed out.</summary>
    public async Task ResetAsync()
    {
        DeleteStale([]);
        _applied.Clear();
        await WaitForAppliedAsync([], "the empty config directory");
        await LogoutAsync();
    }

    /// <summary>The path of one of Istio's files in samples/Bookinfo/networking or samples/Bookinfo/security, as copied to the test output.</summary>
    public static string NetworkingFile(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "networking", name);
        if (!File.Exists(path) && File.Exists(Path.Combine(AppContext.BaseDirectory, "security", name)))
        {
            path = Path.Combine(AppContext.BaseDirectory, "security", name);
        }

        Assert.True(File.Exists(path), $"walkthrough file {name} was not copied to the test output (networking/ or security/)");
        return path;
    }

    /// <summary>
    /// Writes the walkthrough files as the mesh config (atomically, replacing what was there, as
    /// kubectl apply replaces a document of the same name), then waits until every service applied them.
    /// </summary>
    public async Task ApplyAsync(params string[] walkthroughFiles)
    {
        var expected = new List<MeshDocument>();
        var names = new HashSet<string>();
        foreach (var file in walkthroughFiles)
        {
            var text = await File.ReadAllTextAsync(NetworkingFile(file), TestContext.Current.CancellationToken);
            var parsed = MeshDocumentParser.Parse(text, file);
            Assert.Empty(parsed.Errors);
            expected.AddRange(parsed.Documents);
            names.Add(file);
            WriteAtomically(file, text);
        }

        DeleteStale(names);
        _applied.Clear();
        await WaitForAppliedAsync(expected, string.Join(", ", walkthroughFiles));
    }

    /// <summary>
    /// As <c>kubectl apply -f FILE</c>, file after file, on top of what earlier calls applied: each
    /// document replaces the one of the same kind and name and leaves the others, as Istio's tasks
    /// rely on (virtual-service-all-v1.yaml, then virtual-service-ratings-test-abort.yaml replaces
    /// the VirtualService named ratings). A directory is one config, with one VirtualService per
    /// host, so each document is written to a file of its own, <c>{kind}-{name}.yaml</c>: replacing
    /// a document replaces its file and never leaves a second definition behind. Then waits until
    /// every service applied the result.
    /// </summary>
    public async Task KubectlApplyAsync(params string[] walkthroughFiles)
    {
        foreach (var file in walkthroughFiles)
        {
            await KubectlApplyTextAsync(file, await File.ReadAllTextAsync(NetworkingFile(file), TestContext.Current.CancellationToken));
        }
    }

    /// <summary>As <see cref="KubectlApplyAsync"/>, with the text of a file (such as a walkthrough file with a line taken out).</summary>
    public async Task KubectlApplyTextAsync(string name, string text)
    {
        foreach (var chunk in DocumentSeparator().Split(text))
        {
            var parsed = MeshDocumentParser.Parse(chunk, name);
            Assert.Empty(parsed.Errors);
            if (parsed.Documents.Count == 0)
            {
                continue;
            }

            var document = Assert.Single(parsed.Documents);
            _applied[$"{document.Kind.ToLowerInvariant()}-{document.Metadata.Name}.yaml"] = (chunk.Trim() + "\n", document);
        }

        foreach (var (file, (chunk, _)) in _applied)
        {
            var path = Path.Combine(ConfigDirectory, file);
            if (!File.Exists(path) || await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken) != chunk)
            {
                WriteAtomically(file, chunk);
            }
        }

        DeleteStale(_applied.Keys.ToHashSet());
        await WaitForAppliedAsync(_applied.Values.Select(v => v.Document).ToList(), $"{name} (kubectl apply)");
    }

    private void DeleteStale(HashSet<string> keep)
    {
        foreach (var stale in Directory.EnumerateFiles(ConfigDirectory, "*.yaml").Where(f => !keep.Contains(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }
    }

    private Task WaitForAppliedAsync(List<MeshDocument> expected, string what) =>
        WaitForAsync(() => App.Instances.All(i => Fingerprint(Provider(i).Current.Documents) == Fingerprint(expected)), $"every Bookinfo service to apply {what}");

    public void WriteAtomically(string name, string text)
    {
        var temp = Path.Combine(ConfigDirectory, $".{name}.tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, Path.Combine(ConfigDirectory, name), overwrite: true);
    }

    public static MeshSnapshotProvider Provider(BookinfoInstance instance) => instance.App.Services.GetRequiredService<MeshSnapshotProvider>();

    /// <summary>Loads the product page <paramref name="count"/> times and counts which reviews version served each load.</summary>
    public async Task<Dictionary<string, int>> LoadPagesAsync(int count)
    {
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var page = await GetPageAsync();
            var version = ServedBy(page);
            versions[version] = versions.GetValueOrDefault(version) + 1;
        }

        return versions;
    }

    /// <summary>
    /// Before any rule: loads the page until reviews v1, v2 and v3 (round robin) have each served it,
    /// so that every service has answered once (JIT, first connections, the mesh's first look-ups)
    /// and a test that times a page times what a user refreshing the page waits for.
    /// </summary>
    public async Task WarmUpAsync()
    {
        Assert.Empty(Directory.EnumerateFiles(ConfigDirectory));
        var served = await LoadPagesAsync(3);
        Assert.Equal(["v1", "v2", "v3"], served.Keys.Order());
    }

    public async Task<string> GetPageAsync() => (await GetTimedPageAsync()).Page;

    /// <summary>Loads the product page as a browser would, and how long it took to arrive.</summary>
    public async Task<(string Page, TimeSpan Elapsed)> GetTimedPageAsync()
    {
        var clock = Stopwatch.StartNew();
        using var response = await Browser.GetAsync("productpage", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (page, clock.Elapsed);
    }

    /// <summary>
    /// Loads the product page until <paramref name="expected"/> holds for its status and body, as a person refreshes the page
    /// after a change until it shows; fails after the config timeout naming <paramref name="what"/> and the last page seen.
    /// </summary>
    public async Task<string> WaitForPageAsync(Func<HttpStatusCode, string, bool> expected, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await Browser.GetAsync("productpage", TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (expected(response.StatusCode, body))
            {
                return body;
            }

            if (clock.Elapsed > ConfigTimeout)
            {
                Assert.Fail($"timed out after {ConfigTimeout.TotalSeconds} s waiting for the page to show {what}; the last load answered {(int)response.StatusCode}:\n{VisibleText(body)}");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The text a person sees in the page's reviews column: tags dropped, entities decoded, spaces collapsed.</summary>
    public static string ReviewsText(string page) => VisibleText(Section(page, "reviews"));

    /// <summary>The text a person sees in the page's book details column.</summary>
    public static string DetailsText(string page) => VisibleText(Section(page, "details"));

    /// <summary>The text a person sees in one review (0-based, in page order): the review, its reviewer, its stars or its error.</summary>
    public static string ReviewText(string page, int index)
    {
        var reviews = ReviewPattern().Matches(Section(page, "reviews"));
        Assert.True(index < reviews.Count, $"the page shows {reviews.Count} review(s), not {index + 1}:\n{ReviewsText(page)}");
        return VisibleText(reviews[index].Value);
    }

    public static string VisibleText(string html) =>
        Spaces().Replace(WebUtility.HtmlDecode(Tags().Replace(StyleElement().Replace(html, " "), " ")), " ").Trim();

    private static string Section(string page, string id)
    {
        var match = Regex.Match(page, $"<section id=\"{id}\">(.*?)</section>", RegexOptions.Singleline);
        Assert.True(match.Success, $"the page has no '{id}' section:\n{page}");
        return match.Groups[1].Value;
    }

    /// <summary>Returns v1, v2 or v3 from the page's "Reviews served by: reviews-vN-xxxxx" line.</summary>
    public static string ServedBy(string page)
    {
        var match = ServedByPattern().Match(page);
        Assert.True(match.Success, $"the page has no 'Reviews served by' line:\n{page}");
        return match.Groups[1].Value;
    }

    /// <summary>Signs in: the browser keeps the user cookie; the redirect to the page is not followed (load it with <see cref="GetPageAsync"/>).</summary>
    public async Task LoginAsync(string user)
    {
        using var form = new FormUrlEncodedContent([new("username", user), new("passwd", "password")]);
        using var response = await _forms.PostAsync("login", form, TestContext.Current.CancellationToken);
        AssertRedirectToPage(response);
    }

    public async Task LogoutAsync()
    {
        using var response = await _forms.GetAsync("logout", TestContext.Current.CancellationToken);
        AssertRedirectToPage(response);
    }

    private static void AssertRedirectToPage(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/productpage", response.Headers.Location?.OriginalString);
    }

    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > ConfigTimeout)
            {
                Assert.Fail($"timed out after {ConfigTimeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    private static string Fingerprint(IEnumerable<MeshDocument> documents) =>
        string.Join('\n', documents.Select(d => JsonSerializer.Serialize(d with { Source = null }, d.GetType())).Order(StringComparer.Ordinal));

    public async ValueTask DisposeAsync()
    {
        Browser.Dispose();
        _forms.Dispose();
        await App.DisposeAsync();
        Directory.Delete(ConfigDirectory, recursive: true);
        if (CaDirectory is not null)
        {
            Directory.Delete(CaDirectory, recursive: true);
        }
    }

    [GeneratedRegex(@"Reviews served by: reviews-(v\d)-[a-z0-9]+")]
    private static partial Regex ServedByPattern();

    [GeneratedRegex(@"^---[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex("<blockquote>.*?</blockquote>", RegexOptions.Singleline)]
    private static partial Regex ReviewPattern();

    [GeneratedRegex("<style>.*?</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
